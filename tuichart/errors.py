"""One exception root whose message is shown to the user as a single line."""

from __future__ import annotations


class TuichartError(Exception):
    """Root of every error tuichart reports to the user; `str(err)` is the one line shown."""

    exit_code = 1


class BadInput(TuichartError):
    """The user asked for something that cannot be done (bad symbol, interval, file, directory)."""

    exit_code = 2


class ExchangeError(TuichartError):
    """The exchange refused a request or could not be reached."""

    exit_code = 2

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class RateLimited(ExchangeError):
    """The exchange asked us to slow down (HTTP 429/418) for `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: float, status: int) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class StoreError(TuichartError):
    """The DuckDB store cannot be opened or written as asked."""

    exit_code = 2
