"""The chart side of the screen: the legend over the candle pane and its sub-panes, or a note when none fit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tuichart.domain import SeriesKey
from tuichart.engine.chart_data import ChartData
from tuichart.indicators import Study
from tuichart.tui.layout import PANE_HEIGHTS, Layout
from tuichart.tui.render.chart_view import build_view, time_labels, with_time_axis
from tuichart.tui.render.viewport import Viewport
from tuichart.tui.widgets.legend import Legend, LegendData
from tuichart.tui.widgets.panes import ChartPane

Y_AXIS = 12  # columns plotext uses for y tick labels, roughly


class ChartPanel(Vertical):
    """Draws what it is given: a chart through a viewport, into the panes the layout leaves shown."""

    def __init__(self, studies: Sequence[Study], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._studies = tuple(studies)
        self.legend_data = LegendData()
        """What the legend shows now."""
        self.drawn_width = 0
        self.version = 0
        """Counts the views drawn: the panes show view `version` once drawn."""

    def compose(self) -> ComposeResult:
        """Legend, candles, volume, then one pane per study that is not an overlay."""
        yield Legend(id="legend")
        yield ChartPane(id="pane-candles")
        yield ChartPane(id="pane-volume", classes="sub")
        for study in self._studies:
            if not study.indicator.overlay:
                yield ChartPane(id=f"pane-{study.kind}", classes="sub")
        yield Static("", id="too-small")

    def on_mount(self) -> None:
        """The size note shows only when the layout says so."""
        self.query_one("#too-small").display = False

    @property
    def plot_width(self) -> int:
        """Columns available for candles (one candle per column at most)."""
        return max(10, self.query_one("#pane-candles").size.width - Y_AXIS)

    def apply_layout(self, plan: Layout) -> None:
        """Show the panes the plan keeps, or the plan's message when the chart does not fit."""
        note = self.query_one("#too-small", Static)
        note.display = not plan.fits
        if not plan.fits:
            note.update(plan.message)
        self.query_one("#legend").display = plan.fits
        self.query_one("#pane-candles").display = plan.fits
        for pane in self.query(".sub").results(ChartPane):
            name = (pane.id or "").removeprefix("pane-")
            pane.display = plan.fits and name in plan.panes
            if pane.display:
                pane.styles.height = PANE_HEIGHTS.get(name, 6)

    def show_loading(self, key: SeriesKey | None) -> None:
        """No chart yet: the legend says its history is on its way."""
        self.legend_data = LegendData(key, note="loading history…")
        self.query_one(Legend).show(self.legend_data)

    def draw(
        self,
        chart: ChartData,
        viewport: Viewport,
        hidden: frozenset[str],
        *,
        heikin_ashi: bool,
        color: bool,
        alert_levels: Mapping[str, tuple[float, ...]],
    ) -> None:
        """Lay out the visible window of the chart and hand each shown pane its data."""
        self.version += 1
        width = self.drawn_width = self.plot_width
        view = build_view(
            chart,
            viewport,
            width,
            hidden,
            heikin_ashi=heikin_ashi,
            color=color,
            version=self.version,
            alert_levels=alert_levels,
        )
        self.legend_data = view.legend
        self.query_one(Legend).show(view.legend)
        panes = {"candles": view.candles, "volume": view.volume, **view.panes}
        visible = [p for p in self.query(ChartPane).results(ChartPane) if p.display]
        labels = time_labels(chart, viewport, width)
        for pane in visible:
            data = panes.get((pane.id or "").removeprefix("pane-"))
            if data is not None:
                pane.show(with_time_axis(data, labels) if pane is visible[-1] else data)
