"""Unexpected errors in a handler become a logged notification instead of ending the session."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


class Reporter(Protocol):
    """What a guarded method's owner offers: a way to show an error."""

    def report_error(self, where: str, exc: Exception) -> None:
        """Log and show an unexpected error."""


def guarded(method: F) -> F:
    """Catch any exception from `method` (sync or async) and hand it to `self.report_error`."""
    where = method.__name__.lstrip("_")
    if inspect.iscoroutinefunction(method):

        @functools.wraps(method)
        async def run_async(self: Reporter, *args: Any, **kwargs: Any) -> Any:
            try:
                return await method(self, *args, **kwargs)
            except Exception as exc:
                self.report_error(where, exc)
                return None

        return run_async  # type: ignore[return-value]

    @functools.wraps(method)
    def run(self: Reporter, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:
            self.report_error(where, exc)
            return None

    return run  # type: ignore[return-value]
