"""A handler that raises shows a notification and the app runs on."""

from __future__ import annotations

from textual import on
from textual.app import App
from textual.message import Message

from tests.tui.helpers import Watch
from tuichart.tui.guard import guarded


class Poke(Message):
    """Asks the handler to fail or count."""

    def __init__(self, fail: bool) -> None:
        super().__init__()
        self.fail = fail


class Fragile(App[None]):
    """An app whose handlers fail on request."""

    def __init__(self) -> None:
        super().__init__()
        self.handled = 0
        self.reported: list[tuple[str, str]] = []

    def report_error(self, where: str, exc: BaseException) -> None:
        self.reported.append((where, str(exc)))
        self.notify(f"{where}: {exc}", severity="error")

    @on(Poke)
    @guarded
    def _on_poke(self, message: Poke) -> None:
        if message.fail:
            raise ValueError("bad frame")
        self.handled += 1

    @guarded
    async def action_boom(self) -> None:
        raise RuntimeError("async boom")


async def test_errors_are_reported_and_the_app_keeps_running() -> None:
    app = Fragile()
    watch = Watch()
    async with app.run_test(message_hook=watch.hook) as pilot:
        app.post_message(Poke(fail=True))
        app.post_message(Poke(fail=False))
        await pilot.pause()
        await app.run_action("boom")
        await pilot.pause()
        assert app.is_running
        assert app.handled == 1  # the message after the failing one was still handled
        assert app.reported == [("on_poke", "bad frame"), ("action_boom", "async boom")]
        assert watch.messages == ["on_poke: bad frame", "action_boom: async boom"]
