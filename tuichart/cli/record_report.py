"""What `tuichart record` tells people while it runs: resumes, holes, long backfills and the feed's state."""

from __future__ import annotations

from contextlib import AbstractContextManager

from tuichart.binance.rest import KLINES_LIMIT
from tuichart.cli.output import say
from tuichart.cli.progress import progress_bar
from tuichart.domain import FeedState, FeedStatus, SeriesKey
from tuichart.engine.durable import Resume, last_closed_open
from tuichart.engine.feed import FeedEvent, Hole
from tuichart.engine.record import RecordStats
from tuichart.jobs.progress import Progress
from tuichart.plural import plural
from tuichart.timeparse import format_minute

LONG_BACKFILL = KLINES_LIMIT  # more candles than one REST page: worth a line and a progress bar


def announce_resume(key: SeriesKey, resume: Resume, now: int, max_backfill: int) -> None:
    """Say where a series resumes when the backfill on start is long or leaves candles out."""
    if resume.beyond_limit is not None:
        gap = resume.beyond_limit
        say(
            f"{key}: {plural(gap.count, 'candle')} from {format_minute(gap.first_open)} UTC on lie further back than "
            f"--max-backfill {max_backfill} and are not fetched; `tuichart backfill` fetches them"
        )
    newest = last_closed_open(key, now)
    if newest > resume.progress:
        after = format_minute(key.interval.next_open(resume.progress))
        count = (newest - resume.progress) // key.interval.nominal_ms
        if count >= LONG_BACKFILL:
            say(f"{key}: resuming at {after} UTC: about {plural(count, 'candle')} to fetch")


def lacks(key: SeriesKey, resume: Resume, now: int) -> int:
    """Candles a series lacks from where it resumes up to the newest closed one."""
    newest = last_closed_open(key, now)
    return max(0, (newest - resume.progress) // key.interval.nominal_ms)


def report_event(ev: FeedEvent, stats: RecordStats) -> None:
    """One line on stderr for a feed state other than live, and for each try at a hole."""
    if isinstance(ev, FeedStatus) and ev.state is not FeedState.LIVE:
        retry = f" in {ev.retry_in:.1f} s" if ev.retry_in is not None else ""
        say(f"feed {ev.state.value}{retry}: {ev.detail}")
    elif isinstance(ev, Hole):
        if ev.error is None:
            say(f"{ev.key}: the missing candles are filled in")
        else:
            retry = f"; retrying in {ev.retry_in:.2g} s" if ev.retry_in is not None else ""
            missing = f"{plural(ev.count, 'candle')} missing from {format_minute(ev.first_open)} UTC"
            say(f"backfill of {ev.key} failed: {ev.error}; {missing}{retry}")


class BackfillBars:
    """A Progress that draws a bar on stderr (on a terminal) for backfills longer than one REST page, only while
    they run."""

    def __init__(self) -> None:
        self._bars: AbstractContextManager[Progress] | None = None
        self._draw: Progress | None = None

    def __call__(self, task: str, done: int, total: int | None) -> None:
        if total is None or total < LONG_BACKFILL:
            return
        if self._draw is None:
            self._bars = progress_bar()
            self._draw = self._bars.__enter__()
        self._draw(task, done, total)
        if done >= total:
            self.close()

    def close(self) -> None:
        """Take the bars off the screen's live area."""
        if self._bars is not None:
            self._bars.__exit__(None, None, None)
        self._bars = self._draw = None


class MarketBars(BackfillBars):
    """For a whole market: one bar for every series' backfill together (candles written of those expected, time
    left), drawn when there is more than one REST page to fetch in all."""

    def __init__(self) -> None:
        super().__init__()
        self._done: dict[str, int] = {}
        self._series = 0
        self._expected = 0

    def expect(self, series: int, candles: int) -> None:
        """How many series start with a backfill, and about how many candles they lack in all."""
        self._series, self._expected = series, candles

    def __call__(self, task: str, done: int, total: int | None) -> None:
        if total is None or self._expected < LONG_BACKFILL:
            return
        self._done[task] = done
        if self._draw is None:
            self._bars = progress_bar()
            self._draw = self._bars.__enter__()
        written = sum(self._done.values())
        self._draw(f"backfilling {plural(self._series, 'series', 'series')}", written, max(written, self._expected))
        if written >= self._expected:
            self.close()
