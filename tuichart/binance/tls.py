"""The TLS context of our HTTPS clients: built once per process, and only when an https URL needs it."""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def verified_context() -> ssl.SSLContext:
    """What httpx builds by default (certifi's roots, or SSL_CERT_FILE/SSL_CERT_DIR): reading the roots takes about
    50 ms of CPU, which every client paid again at its construction, even for a plain-http exchange."""
    return httpx.create_ssl_context()


@functools.cache
def _refusing_context() -> ssl.SSLContext:
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies against no roots: any https through it fails


def context_for(base_url: str) -> ssl.SSLContext:
    """The context for a client of `base_url`: the verified one for https; for plain http (the embedded exchange on
    loopback) one without roots, so a redirect to https fails rather than going unverified."""
    return verified_context() if base_url.startswith("https:") else _refusing_context()
