"""The app's alerts: the `A` screen to add and remove rules, fired alerts shown, delivery failures noted."""

from __future__ import annotations

import asyncio
import logging

import httpx
from textual import work

from tuichart.alerts.rules import rule_keys
from tuichart.domain import FiredAlert
from tuichart.relay.client import FOLLOW_EVERY, RecorderLink
from tuichart.tui.base import AppBase
from tuichart.tui.guard import guarded
from tuichart.tui.messages import AlertFired, AlertNote, FiredLoaded
from tuichart.tui.screens.alerts import AlertsScreen

log = logging.getLogger(__name__)


class AlertKeys(AppBase):
    """Rules change through the alerts screen; the engine evaluates them, the app shows what fires."""

    def action_alerts(self) -> None:
        """The alert rules (add, remove) and the alerts fired lately."""
        self._load_fired()

    @work(exclusive=True, group="fired", exit_on_error=False)
    async def _load_fired(self) -> None:
        if self.options.recorder is None:
            fired = await asyncio.to_thread(self.store.fired_alerts, 50)
        else:  # the recorder's store holds them
            link = RecorderLink(self.options.recorder)
            try:
                fired = await link.stored_fired(50)
            finally:
                await link.aclose()
        self.post_message(FiredLoaded(fired))

    @work(exclusive=True, group="recorder-alerts", exit_on_error=False)
    async def follow_recorder_alerts(self) -> None:
        """Attached to a recorder: show each alert it fires as it fires (this session evaluates none itself)."""
        if self.options.recorder is None:
            return
        link = RecorderLink(self.options.recorder)
        after: int | None = None
        try:
            while True:
                try:
                    after, fired = await link.fired_after(after)
                except httpx.HTTPError as exc:  # the recorder stopping: the feed's status says the rest
                    log.debug("asking the recorder for alerts: %s", exc)
                    fired = []
                for alert in fired:
                    self.post_message(AlertFired(alert))
                await asyncio.sleep(FOLLOW_EVERY)
        finally:
            await link.aclose()

    @guarded
    def on_fired_loaded(self, message: FiredLoaded) -> None:
        """Show the alerts screen with this run's alerts and the stored ones."""
        fired = self.alert_book.with_stored(message.fired)
        if isinstance(self.screen, AlertsScreen):
            self.screen.show_fired(fired)
            return
        rules = self.alert_book.rules
        self.push_screen(AlertsScreen(rules, fired, self.model.selected or "*", self.model.interval.value))

    @guarded
    def on_alerts_screen_added(self, message: AlertsScreen.Added) -> None:
        """A rule typed on the alerts screen."""
        if self.alert_book.add(message.rule):
            self._rules_changed()

    @guarded
    def on_alerts_screen_removed(self, message: AlertsScreen.Removed) -> None:
        """A rule removed on the alerts screen."""
        if self.alert_book.remove(message.rule_id):
            self._rules_changed()

    def _rules_changed(self) -> None:
        rules = self.alert_book.rules
        if self.engine is not None:
            self.engine.set_rules(rules, self.model.watchlist)
        if isinstance(self.screen, AlertsScreen):
            self.screen.show_rules(rules)
        self._stream_alert_series()
        self._redraw()  # their level lines
        self.browser.reload()  # open pages draw the new levels

    @work(exclusive=True, group="alert-streams", exit_on_error=False)
    async def _stream_alert_series(self) -> None:
        """Stream the series the rules are evaluated on, beside the watchlist."""
        if self.engine is None or not self.model.connected or self.options.recorder:
            return
        wanted = sorted(rule_keys(self.alert_book.rules, self.model.watchlist), key=str)
        idle = await self.engine.set_extra(wanted)
        if idle:
            text = f"alerts on {', '.join(idle)} are not evaluated: not trading on {self.options.exchange_label}"
            log.warning(text)
            self.notify(text, severity="warning", timeout=10)

    @guarded
    def on_alert_fired(self, message: AlertFired) -> None:
        """An alert fired: a notification, the bell when asked for, the alerts screen when open."""
        self.alert_book.on_fired(message.alert)
        if self.options.notify.bell:
            self.bell()
        if isinstance(self.screen, AlertsScreen):
            self.screen.show_fired(list(self.alert_book.fired))

    def on_alert_note(self, message: AlertNote) -> None:
        """A problem with a rule."""
        self.notify(message.text, severity="warning", timeout=10)

    def _delivered(self, channel: str, alert: FiredAlert, error: str | None) -> None:
        if error is not None:
            self.alert_book.delivery_failed(channel, alert, error, asyncio.get_running_loop().time())
