"""The pinned lightweight-charts build: fetched from the npm registry at set-up time and checked, never committed.

`python -m tuichart.web.vendor` puts it in `static/vendor/`; without it the page loads the same file from a CDN
with a subresource-integrity hash.
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "5.2.1"
TARBALL = f"https://registry.npmjs.org/lightweight-charts/-/lightweight-charts-{VERSION}.tgz"
TARBALL_INTEGRITY = "sha512-IVwoK1RLFiLPubaKIjNbtjWLnpPMqiABSrTay6whmNa8L1+19292VtHJ+BWyPUuLCwF0tcQlhEWd1CLB2a1nsQ=="
MEMBER = "package/dist/lightweight-charts.standalone.production.js"
FILE_NAME = "lightweight-charts.standalone.production.js"
FILE_INTEGRITY = "sha384-KkYqTZlM13Zya6fVUF3IGCBOQ1ehFeJVVgxaVvD/0MebineF9EI8Jkd3NnWNChqN"
CDN_URL = f"https://cdn.jsdelivr.net/npm/lightweight-charts@{VERSION}/dist/{FILE_NAME}"
VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"


def integrity(data: bytes, algorithm: str) -> str:
    """The npm / SRI form of a digest: `sha512-<base64>`."""
    return f"{algorithm}-" + base64.b64encode(hashlib.new(algorithm, data).digest()).decode()


def extract(tarball: bytes) -> bytes:
    """The standalone build from the package tarball, after checking both pinned digests."""
    if integrity(tarball, "sha512") != TARBALL_INTEGRITY:
        raise ValueError(f"lightweight-charts {VERSION}: the tarball's integrity does not match the pinned one")
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
        member = tar.extractfile(MEMBER)
        if member is None:
            raise ValueError(f"lightweight-charts {VERSION}: {MEMBER} is missing from the tarball")
        data = member.read()
    if integrity(data, "sha384") != FILE_INTEGRITY:
        raise ValueError(f"lightweight-charts {VERSION}: {FILE_NAME} does not match the pinned hash")
    return data


def vendored(directory: Path = VENDOR_DIR) -> Path | None:
    """The checked local copy, if set-up fetched it."""
    path = directory / FILE_NAME
    return path if path.is_file() and integrity(path.read_bytes(), "sha384") == FILE_INTEGRITY else None


def fetch(directory: Path = VENDOR_DIR, url: str = TARBALL, timeout: float = 60.0) -> Path:
    """Download, check and write the build into `directory` (nothing is written when a check fails)."""
    if (done := vendored(directory)) is not None:
        return done
    with urllib.request.urlopen(url, timeout=timeout) as response:
        data = extract(response.read())
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / FILE_NAME
    partial = target.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(target)
    return target


def main() -> int:
    """Fetch for `make`; offline is a warning (the page then uses the CDN copy), a bad digest an error."""
    try:
        path = fetch()
    except ValueError as exc:
        print(f"tuichart: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(
            f"tuichart: lightweight-charts not fetched ({exc}); the popout will load it from {CDN_URL}", file=sys.stderr
        )
        return 0
    print(f"lightweight-charts {VERSION} ready in {path.parent}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
