"""Argument parsers for `tuichart` and its subcommands."""

from __future__ import annotations

import argparse

from tuichart import __version__

COMMANDS = (
    "exchange", "import", "backfill", "record", "check", "export", "indicators", "web", "alerts", "store", "scan",
)  # fmt: skip

_EXCHANGE_HELP = "binance (default), binance-vision, binance-us, or an embedded exchange URL http://127.0.0.1:PORT"


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data-dir",
        metavar="DIR",
        help="directory of the store (default: $TUICHART_DATA_DIR or the platform data dir)",
    )
    p.add_argument("--exchange", metavar="NAME|URL", help=_EXCHANGE_HELP)
    p.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="level of the log file (default INFO)",
    )


def app_parser() -> argparse.ArgumentParser:
    """The parser for `tuichart [SYMBOL ...]` (the live view)."""
    p = argparse.ArgumentParser(
        prog="tuichart",
        description="A terminal TradingView for Binance. Commands: "
        + ", ".join(COMMANDS)
        + " (run `tuichart COMMAND --help`).",
    )
    p.add_argument("symbols", nargs="*", metavar="SYMBOL", help="symbols to watch (default: the config's watchlist)")
    p.add_argument("-i", "--interval", help="candle interval: 1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M")
    p.add_argument("--demo", action="store_true", help="run against the built-in exchange with a synthetic market")
    p.add_argument("--fps", type=float, default=4.0, help="chart redraws per second at most (default 4, kind to SSH)")
    p.add_argument("--no-color", action="store_true", help="no colours (also honours NO_COLOR)")
    p.add_argument("--version", action="version", version=f"tuichart {__version__}")
    _common(p)
    return p


def command_parser() -> argparse.ArgumentParser:
    """The parser for `tuichart COMMAND ...`."""
    p = argparse.ArgumentParser(prog="tuichart")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ex = sub.add_parser(
        "exchange",
        help="serve a Binance-compatible exchange on loopback",
        description="Serve Binance's REST and websocket protocol on one port, from replayed "
        "kline files or a synthetic market.",
    )
    ex.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    ex.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    ex.add_argument("--replay", nargs="+", default=[], metavar="FILE", help="data.binance.vision kline zips/CSVs")
    ex.add_argument("--synthetic", nargs="+", default=[], metavar="SYMBOL", help="symbols of a synthetic market")
    ex.add_argument(
        "--synthetic-market",
        type=int,
        metavar="N",
        help="a synthetic market of N symbols over the usual quote assets, generated as asked for, pushed at "
        "Binance's cadence (faults 'delist@T' and 'list@T' change its listing)",
    )
    ex.add_argument("--speed", type=float, default=1.0, help="market clock speed factor (default 1)")
    ex.add_argument("--start", metavar="DATE", help="where the replay clock starts (default: after 500 candles)")
    ex.add_argument("--seed", type=int, default=0, help="seed of the synthetic market and random faults")
    ex.add_argument(
        "--faults", metavar="SPEC", help="faults to inject, e.g. 'drop@5,http5xx@10' or 'random:every=2,seed=1'"
    )
    ex.add_argument(
        "--weight-limit", type=int, default=6000, help="REST request weight allowed a minute (default 6000, as Binance)"
    )
    ex.add_argument(
        "--latency", type=float, default=0.0, metavar="MS", help="answer each REST request MS later (a far exchange)"
    )
    ex.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])

    imp = sub.add_parser(
        "import",
        help="import kline files (data.binance.vision zips/CSVs, or what export wrote) into the store",
        description="Import kline files: data.binance.vision zips/CSVs (ms or µs times; a sibling .CHECKSUM is "
        "verified), and the CSV (header or not) and Parquet files `tuichart export` writes. A file whose name does "
        "not say its series (SYMBOL-INTERVAL-DATE.zip) needs --symbol and -i; exported Parquet says it itself. "
        "Prices and volumes are stored digit for digit.",
        epilog="examples:\n  tuichart import BTCUSDT-1m-2024-01.zip\n  tuichart import ~/klines/\n"
        "  tuichart import btc.csv --symbol BTCUSDT -i 1m\n  tuichart import btc.parquet",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    imp.add_argument("paths", nargs="+", metavar="FILE|DIR")
    imp.add_argument("--symbol", metavar="SYMBOL", help="the series of files whose names do not say it")
    imp.add_argument("-i", "--interval", help="the interval of files whose names do not say it")
    _common(imp)

    bf = sub.add_parser("backfill", help="download closed candles over REST into the store (resumable)")
    bf.add_argument("symbols", nargs="+", metavar="SYMBOL")
    bf.add_argument("-i", "--interval", required=True)
    bf.add_argument("--since", required=True, metavar="DATE", help="YYYY-MM-DD[THH:MM] UTC or epoch ms")
    bf.add_argument("--until", metavar="DATE", help="default: now")
    _common(bf)

    rec = sub.add_parser(
        "record",
        help="stream closed candles into the store with no UI",
        description="Stream closed candles (and their indicators) into the store until Ctrl-C: of the symbols named, "
        "or with --all of every TRADING symbol of the --quote assets, at each -i interval, over as many websocket "
        "connections as Binance's limits need. The alert rules of the config file are evaluated on the recorded "
        "series: fired alerts are printed, stored (alerts_fired) and delivered on the [notify] channels.",
    )
    rec.add_argument("symbols", nargs="*", metavar="SYMBOL", help="symbols to record (or --all)")
    rec.add_argument(
        "--all",
        action="store_true",
        help="record every TRADING symbol of the --quote assets; exchangeInfo is read again every --relist-every "
        "seconds, so new listings are added and delisted or halted symbols dropped",
    )
    rec.add_argument("--quote", default="USDT", metavar="ASSET[,ASSET]", help="quote assets for --all (default USDT)")
    rec.add_argument("--relist-every", type=float, default=3600.0, metavar="SECONDS", help="with --all (default 3600)")
    rec.add_argument("-i", "--interval", default="1m", metavar="INTERVAL[,INTERVAL]", help="e.g. 1m or 1m,1h")
    rec.add_argument("--duration", type=float, metavar="SECONDS", help="stop after this long (default: until Ctrl-C)")
    rec.add_argument(
        "--max-backfill",
        metavar="CANDLES",
        help="on start, fetch at most this many of the newest closed candles a series lacks (default 10000)",
    )
    rec.add_argument(
        "--serve-port",
        type=int,
        default=0,
        metavar="PORT",
        help="serve what is recorded on this port of 127.0.0.1 (default: a free one); tuichart, web, export, scan "
        "and alerts fired on the same data dir attach to it, and any Binance client can read it",
    )
    rec.add_argument("--no-serve", action="store_true", help="do not serve other sessions (they cannot attach)")
    rec.add_argument("--demo", action="store_true", help="record from the built-in synthetic exchange")
    _common(rec)

    _check(sub)

    exp = sub.add_parser("export", help="export a stored series to CSV, Parquet or JSON Lines")
    exp.add_argument("symbol", metavar="SYMBOL")
    exp.add_argument("-i", "--interval", required=True)
    exp.add_argument("--since", metavar="DATE")
    exp.add_argument("--until", metavar="DATE")
    exp.add_argument(
        "--format",
        choices=["csv", "parquet", "json"],
        default="csv",
        help="csv: Binance's 12-column layout (re-importable); json: JSON Lines",
    )
    exp.add_argument("-o", "--output", metavar="PATH", help="output file ('-' for stdout with csv)")
    exp.add_argument(
        "--partitioned",
        metavar="DIR",
        help="write a hive-partitioned Parquet dataset (symbol=/interval=/year=) instead of one file",
    )
    exp.add_argument(
        "--indicators",
        nargs="?",
        const="all",
        metavar="NAMES",
        help="add stored indicator columns: all of them, or e.g. 'rsi,macd,bb' (CSV then gets a header row)",
    )
    _common(exp)

    ind = sub.add_parser("indicators", help="list the indicators, or recompute the stored ones")
    ind_sub = ind.add_subparsers(dest="action", required=True, metavar="ACTION")
    rb = ind_sub.add_parser(
        "rebuild",
        help="recompute the stored indicator values from the stored candles",
        description="Recompute the indicators table (the default studies) from klines, for every stored "
        "series or the ones named.",
    )
    rb.add_argument("symbols", nargs="*", metavar="SYMBOL", help="default: every stored series")
    rb.add_argument("-i", "--interval", help="only this interval")
    _common(rb)
    ls = ind_sub.add_parser("list", help="the indicators tuichart knows, with their parameters and defaults")
    ls.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])

    wb = sub.add_parser(
        "web",
        help="serve the chart as a lightweight-charts page on 127.0.0.1 (no terminal app)",
        description="Serve the browser popout on loopback with a per-run token; prints the URL and the "
        "ssh -L line that reaches it from another machine.",
    )
    wb.add_argument("symbol", nargs="?", metavar="SYMBOL", help="default: the first of the config's watchlist")
    wb.add_argument("-i", "--interval", help="default: the config's interval")
    wb.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    wb.add_argument("--demo", action="store_true", help="chart the built-in synthetic exchange")
    _common(wb)
    _alerts(sub)
    _store(sub)
    _scan(sub)
    return p


def _check(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ck = sub.add_parser(
        "check",
        help="compare the stored candles with the exchange's, and with --repair make them equal",
        description="Compare the stored closed candles with the exchange's over a range, every value digit for\n"
        "digit, and list per series the UTC ranges of candles missing from the store, duplicated, differing, or\n"
        "stored although the exchange has none. Ranges the exchange itself has no candles for are listed apart\n"
        "and are not missing. Exit status: 0 when the store matches, 3 when something is missing or differs (and\n"
        "was not repaired), 2 for bad input.",
        epilog="examples:\n  tuichart check BTCUSDT -i 1m\n  tuichart check BTCUSDT ETHUSDT -i 1h --since 2024-01-01"
        "\n  tuichart check BTCUSDT -i 1m --since 2024-06-01 --until 2024-06-30 --repair",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ck.add_argument("symbols", nargs="+", metavar="SYMBOL")
    ck.add_argument("-i", "--interval", required=True, help="candle interval: 1s 1m 3m 5m 15m 30m 1h ... 1w 1M")
    ck.add_argument(
        "--since", metavar="DATE", help="YYYY-MM-DD[THH:MM] UTC or epoch ms (default: each series' first stored candle)"
    )
    ck.add_argument("--until", metavar="DATE", help="default: the newest closed candle")
    ck.add_argument(
        "--repair",
        action="store_true",
        help="fetch the missing candles and overwrite the differing ones from the exchange, then check again "
        "(candles the exchange does not have are left in place)",
    )
    _common(ck)


def _scan(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sc = sub.add_parser(
        "scan",
        help="one line per stored symbol: price, 24 h change, volume and indicators, filtered and sorted",
        description="Scan the stored candles of every symbol quoted in --quote at one interval: last price, change "
        "over 24 h (over the last candle at 1d and longer), the last volume over the average of the 20 before, RSI "
        "14, Bollinger %b, the MACD histogram and Stochastic %K, as TA-Lib computes them. --where keeps the symbols "
        "an alert condition holds for now (e.g. 'rsi < 30', 'close outside bb', 'macd crosses signal', 'change "
        "beyond 5% in 1d'); --sort orders by a column (-change: largest first).",
    )
    sc.add_argument("--quote", default="USDT", metavar="ASSET[,ASSET]", help="quote assets (default USDT)")
    sc.add_argument("-i", "--interval", default="1h", help="interval (default 1h)")
    sc.add_argument("--where", metavar="CONDITION", help="keep the symbols this alert condition holds for")
    sc.add_argument("--sort", default="symbol", metavar="[-]COLUMN", help="symbol, last, change, volume, rsi, bb, "
                    "macd, stoch or candles; - for descending (default symbol)")  # fmt: skip
    sc.add_argument("--top", type=int, metavar="N", help="only the first N rows")
    sc.add_argument("--format", choices=["table", "csv", "json"], default="table")
    _common(sc)


def _store(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    st = sub.add_parser("store", help="check the store: read it whole and verify every block, writing nothing")
    st_sub = st.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = st_sub.add_parser(
        "check",
        help="read every table of the store whole and report rows per table and series (exit 2 when damaged)",
        description="Open the store read-only, read every row of every table, verify every block's checksum, and "
        "print the rows per table, the number of series and the blocks checked. Exit 0 when the store is sound, 2 "
        "when it is damaged (tuichart then refuses to write to it: restore it from an export or a backup, or move "
        "it away).",
    )
    check.add_argument(
        "--data-dir",
        metavar="DIR",
        help="directory of the store (default: $TUICHART_DATA_DIR or the platform data dir)",
    )
    check.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])


ALERTS_EXAMPLES = """examples:
  tuichart alerts add BTCUSDT "price crosses above 100000" -i 1h
  tuichart alerts add '*' "rsi above 70" -i 15m --cooldown 1h --on tick
  tuichart alerts add ETHUSDT "change beyond 5% in 1h" -i 5m --id eth-move
  tuichart alerts list
  tuichart alerts remove a1 eth-move
  tuichart alerts fired BTCUSDT --limit 20
"""


def _alerts(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    al = sub.add_parser(
        "alerts",
        help="add, list and remove alert rules; list the alerts that fired",
        description="Alert rules live in the config file as [[alerts]] tables; `tuichart record` and the app "
        "evaluate them and keep every fired alert in the store (table alerts_fired).",
        epilog=ALERTS_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    al_sub = al.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = al_sub.add_parser(
        "add",
        help="add a rule to the config file",
        description='Conditions: "price crosses above 100000", "rsi below 30", "macd crosses signal", '
        '"%%k crosses above %%d", "ema12 crosses ema26", "close outside bb", "change beyond 5%% in 1h".',
    )
    add.add_argument("symbol", metavar="SYMBOL|*", help="a symbol, or '*' for every watched/recorded symbol")
    add.add_argument("when", metavar="CONDITION", help='e.g. "price crosses above 100000"')
    add.add_argument("-i", "--interval", help="candle interval (default: the config's interval, else 1m)")
    add.add_argument("--cooldown", metavar="DUR", help="quiet time after firing: 30s 15m 1h 1d (default: one candle)")
    add.add_argument("--on", choices=["close", "tick"], default="close", help="closed candles only, or every tick")
    add.add_argument("--id", help="the rule's id (default: a1, a2, ...)")
    add.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    ls = al_sub.add_parser("list", help="the rules in the config file")
    ls.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    rm = al_sub.add_parser("remove", help="remove rules by id")
    rm.add_argument("ids", nargs="+", metavar="ID")
    rm.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    fired = al_sub.add_parser("fired", help="the alerts that fired, newest first, from the store")
    fired.add_argument("symbol", nargs="?", metavar="SYMBOL", help="only this symbol")
    fired.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    _common(fired)
