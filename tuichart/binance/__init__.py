"""The Binance client: REST, the websocket stream, the protocol's parsing, the public data dumps."""

import sys

if "httpx" not in sys.modules:
    # httpx's __init__ imports its command-line tool when click is installed (a dev extra, and common elsewhere),
    # which loads click, pygments and more: ~30 ms and 3 MB of every start for a tool we never run. A None in
    # sys.modules makes that one import fail as if click were absent; httpx then defines a stub (pinned: 0.28.1).
    # It stays: httpx itself is imported only by what talks HTTP (a scan of the store starts ~50 ms sooner).
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
