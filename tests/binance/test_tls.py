"""The HTTPS clients' TLS context: built once with the trusted roots, and none of them for plain http."""

from __future__ import annotations

import ssl

from tuichart.binance.rest import RestClient
from tuichart.binance.tls import context_for


def test_https_gets_one_shared_context_that_verifies_against_roots() -> None:
    ctx = context_for("https://api.binance.com")
    assert ctx is context_for("https://data-api.binance.vision")
    assert ctx.verify_mode is ssl.CERT_REQUIRED and ctx.check_hostname
    assert ctx.cert_store_stats()["x509_ca"] > 50


def test_plain_http_gets_a_context_that_trusts_nothing() -> None:
    ctx = context_for("http://127.0.0.1:9000")
    assert ctx is not context_for("https://api.binance.com")
    assert ctx.verify_mode is ssl.CERT_REQUIRED and ctx.check_hostname
    assert ctx.cert_store_stats()["x509_ca"] == 0


async def test_rest_clients_share_the_context_instead_of_building_their_own() -> None:
    built = []
    original = ssl.SSLContext.load_verify_locations

    def counting(self: ssl.SSLContext, *args: object, **kwargs: object) -> None:
        built.append(args)
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    context_for("https://api.binance.com")
    ssl.SSLContext.load_verify_locations = counting  # type: ignore[method-assign]
    try:
        for url in ("https://api.binance.com", "http://127.0.0.1:9000", "https://api.binance.com"):
            async with RestClient(url):
                pass
    finally:
        ssl.SSLContext.load_verify_locations = original  # type: ignore[method-assign]
    assert built == []
