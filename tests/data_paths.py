"""The real Binance data the tests read, carried in the repository under tests/data/binance (see its PROVENANCE.md)."""

from __future__ import annotations

import hashlib
from pathlib import Path

BINANCE_DATA = Path(__file__).resolve().parent / "data" / "binance"
VISION_DIR = BINANCE_DATA / "data_vision_klines"
VISION_ZIPS = tuple(VISION_DIR / f"BTCUSDT-1m-2020-01-0{day}.zip" for day in (1, 2, 3))
CAPTURE_DIR = BINANCE_DATA / "ws_capture_cryptofeed_2021-08-14"
WS_CAPTURE = CAPTURE_DIR / "BINANCE.ws.1.0"
REST_CAPTURE = CAPTURE_DIR / "BINANCE.0"
REST_DOCS = BINANCE_DATA / "rest_docs"

# Every fixture file with its sha256, as PROVENANCE.md lists them: a changed byte (a line-ending filter) is caught too.
MANIFEST = {
    "data_vision_klines/BTCUSDT-1m-2020-01-01.zip": "dd579c62368ded93d3f01a1904575b932279e32936e181c062763e605793c1c2",
    "data_vision_klines/BTCUSDT-1m-2020-01-01.zip.CHECKSUM": (
        "d7b582aa5088647a93cb81b852e9b6322f030a5298a6c959a4d943c46113e532"
    ),
    "data_vision_klines/BTCUSDT-1m-2020-01-02.zip": "66c701b381d5c2482343ba1c7f600e55d3f5c18f0117ff0789d043a21b62bab6",
    "data_vision_klines/BTCUSDT-1m-2020-01-02.zip.CHECKSUM": (
        "209225317721140038d88064caba6a3f2ab6b89bec6cf4b668424281e3d22ba2"
    ),
    "data_vision_klines/BTCUSDT-1m-2020-01-03.zip": "9623b3d0c487715f410caee51fbce2474375ece85c854a0682c90b3dad0bf8be",
    "data_vision_klines/BTCUSDT-1m-2020-01-03.zip.CHECKSUM": (
        "5b087fc5384f57c660b11afe2464b48abaab1f80cf0c8dc7935744014044c567"
    ),
    "ws_capture_cryptofeed_2021-08-14/BINANCE.ws.1.0": (
        "16d5dc9ad9ab5fd683ab053384ccf2f174cac61c92936e026fb766ed8531692e"
    ),
    "ws_capture_cryptofeed_2021-08-14/BINANCE.0": "1f1331df307658f7c93439924f2b62fbd8880e0ce5cf962f093bdeccf24ff0a7",
    "rest_docs/klines.json": "65e5d855cc55e743668d5bd44d5ca41637a23793e8748509a6a4e5d83515fa65",
    "rest_docs/exchange_info.json": "50059f3e05066afcc64efb5b2f81b41218ee3d542465b461b57bb72293498353",
    "rest_docs/ticker_24hr.json": "0a2c2cb5fa2b1c7fa0cb0f4ff1fc9234fe742155655047165414111eb489bb2a",
}


def sha256(path: Path) -> str:
    """The file's sha256 as hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_fixtures(root: Path = BINANCE_DATA, manifest: dict[str, str] = MANIFEST) -> None:
    """Fail naming the first fixture file that is missing or not the recorded bytes."""
    for name, digest in manifest.items():
        path = root / name
        assert path.is_file(), f"test fixture missing: {path} (part of the repository; restore it with git)"
        assert sha256(path) == digest, f"test fixture changed: {path} is not the file PROVENANCE.md names"
