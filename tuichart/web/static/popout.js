// The popout page: one lightweight-charts chart with the panes the terminal shows.
"use strict";

const body = document.body;
const token = body.dataset.token;
const UP = "#26a69a", DOWN = "#ef5350";
const LINES = {
  ema_12: "#f5c518", ema_26: "#2962ff", bb_upper: "#9c27b0", bb_middle: "#ba68c8", bb_lower: "#9c27b0",
  rsi: "#7e57c2", macd: "#2962ff", macd_signal: "#ff6d00", stoch_k: "#2962ff", stoch_d: "#ff6d00",
};
const GUIDE = "#5a5a5a";

const INTERVALS = ["1m", "5m", "15m", "30m", "1h", "4h", "1d", "1w", "1M"];

function text(id, value) { document.getElementById(id).textContent = value; }

function buttons(id, values, current, choose) {
  const box = document.getElementById(id);
  box.replaceChildren(...values.map((value) => {
    const b = document.createElement("button");
    b.textContent = value;  // text, never HTML
    if (value === current) b.className = "on";
    b.onclick = () => choose(value);
    return b;
  }));
}

function navigation() {
  const symbols = JSON.parse(body.dataset.symbols || "[]");
  const go = (symbol, interval) => show(symbol, interval).catch(failed);
  buttons("symbols", symbols, view && view.symbol, (s) => go(s, view ? view.interval : body.dataset.interval));
  buttons("intervals", INTERVALS, view && view.interval, (i) => go(view ? view.symbol : body.dataset.symbol, i));
}

function fmt(v) { return v === null || v === undefined ? "—" : (Math.abs(v) >= 1000 ? v.toFixed(2) : String(+v.toPrecision(6))); }

async function snapshot(symbol, interval) {
  const query = new URLSearchParams({ token, symbol, interval });
  const response = await fetch(`/api/snapshot?${query}`);
  if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
  return response.json();
}

function precisionFor(price) {  // significant digits at any price: 2 decimals for BTC, 9 for 0.0000163
  if (!(price > 0)) return 2;
  return Math.min(12, Math.max(2, Math.ceil(-Math.log10(price)) + 4));
}

function panes(studies) {  // candles and overlays in pane 0, volume in 1, then one pane per other study
  const titles = [studies.filter((s) => s.overlay).map((s) => s.label).join(" · "), "Volume"];
  const paneOf = {};
  for (const study of studies) {
    if (!study.overlay) titles.push(study.label);
    for (const column of study.columns) paneOf[column] = study.overlay ? 0 : titles.length - 1;
  }
  return { titles, paneOf };
}

function bounded(study) {  // a fixed scale for oscillators: RSI and Stoch 0-100, whatever the data
  if (!study || !study.bounds) return {};
  const [minValue, maxValue] = study.bounds;
  return { autoscaleInfoProvider: () => ({ priceRange: { minValue, maxValue } }) };
}

function titlePanes(chart, titles) {  // each pane's name in its top-left corner, over the canvases
  chart.panes().forEach((pane, i) => {
    const row = pane.getHTMLElement();
    const cell = row && row.children[1];
    if (!cell || !titles[i]) return;
    const title = document.createElement("div");
    title.className = "pane-title";
    title.textContent = titles[i];  // text, never HTML
    cell.appendChild(title);
  });
}

function draw(snap) {
  const LC = window.LightweightCharts;
  const last = snap.candles.length ? snap.candles[snap.candles.length - 1].close : 0;
  const precision = precisionFor(last);
  const priceFormat = { type: "price", precision, minMove: Math.pow(10, -precision) };
  body.dataset.precision = String(precision);
  const chart = LC.createChart(document.getElementById("chart"), {
    autoSize: true,
    layout: { background: { color: "#161616" }, textColor: "#d8d8d8", attributionLogo: true },
    grid: { vertLines: { color: "#222" }, horzLines: { color: "#222" } },
    timeScale: { timeVisible: true, secondsVisible: snap.interval === "1s" },
    crosshair: { mode: LC.CrosshairMode.Normal },
  });
  const studies = snap.studies || [];
  const { titles, paneOf } = panes(studies);
  const studyOf = Object.fromEntries(studies.flatMap((s) => s.columns.map((c) => [c, s])));
  const candles = chart.addSeries(LC.CandlestickSeries, {
    upColor: UP, downColor: DOWN, borderVisible: false, wickUpColor: UP, wickDownColor: DOWN, priceFormat,
  });
  candles.setData(snap.candles.map(({ time, open, high, low, close }) => ({ time, open, high, low, close })));
  const volume = chart.addSeries(LC.HistogramSeries, { priceFormat: { type: "volume" }, priceLineVisible: false }, 1);
  volume.priceScale().applyOptions({ scaleMargins: { top: 0.15, bottom: 0 } });
  volume.setData(snap.candles.map((c) => ({ time: c.time, value: c.volume, color: c.close >= c.open ? UP : DOWN })));
  const times = snap.candles.map((c) => c.time);
  const series = { candles, volume };
  for (const [column, values] of Object.entries(snap.indicators)) {
    const pane = paneOf[column] ?? 0;
    const study = studyOf[column];
    const scale = study ? study.scale : "price";
    const format = scale === "price" ? { priceFormat } : scale === "volume" ? { priceFormat: { type: "volume" } } : {};
    const points = values.map((value, i) => (value === null ? { time: times[i] } : { time: times[i], value }));
    if (column === "macd_histogram") {
      const hist = chart.addSeries(LC.HistogramSeries, {
        priceLineVisible: false, lastValueVisible: false, ...format,
      }, pane);
      hist.setData(points.map((p) => ("value" in p ? { ...p, color: p.value >= 0 ? UP : DOWN } : p)));
      series[column] = hist;
    } else {
      const line = chart.addSeries(LC.LineSeries, {
        color: LINES[column] ?? "#aaa", lineWidth: 1, priceLineVisible: false, lastValueVisible: false,
        ...format, ...bounded(study),
      }, pane);
      line.setData(points);
      series[column] = line;
    }
  }
  let guides = 0;
  for (const study of studies) {  // guide lines and a scale that keeps its bounds in view
    const first = series[study.columns[0]];
    if (study.overlay || !first) continue;
    for (const price of study.guides) {
      first.createPriceLine({ price, color: GUIDE, lineWidth: 1, lineStyle: LC.LineStyle.Dashed, axisLabelVisible: false });
      guides += 1;
    }
    if (study.bounds) first.priceScale().applyOptions({ scaleMargins: { top: 0.04, bottom: 0.04 } });
  }
  body.dataset.guides = String(guides);
  chart.panes().forEach((pane, i) => pane.setStretchFactor(i === 0 ? 3 : i === 1 ? 0.8 : 1));
  chart.subscribeCrosshairMove((param) => {
    const bar = param.seriesData && param.seriesData.get(candles);
    if (!bar) { text("legend", ""); return; }
    const vol = param.seriesData.get(volume);
    const parts = [`O ${fmt(bar.open)}  H ${fmt(bar.high)}  L ${fmt(bar.low)}  C ${fmt(bar.close)}`];
    if (vol) parts.push(`V ${fmt(vol.value)}`);
    for (const [column, s] of Object.entries(series)) {
      if (column === "candles" || column === "volume") continue;
      const point = param.seriesData.get(s);
      if (point && "value" in point) parts.push(`${column} ${fmt(point.value)}`);
    }
    text("legend", parts.join("   "));
  });
  let marked = 0;  // levels alert rules compare with: dashed orange lines on the series they are about
  for (const [column, levels] of Object.entries(snap.levels || {})) {
    const target = column === "close" ? candles : series[column];
    if (!target) continue;
    for (const price of levels) {
      target.createPriceLine({
        price, color: "#ff9800", lineWidth: 1, lineStyle: LC.LineStyle.Dashed, axisLabelVisible: true, title: "alert",
      });
      marked += 1;
    }
  }
  body.dataset.alertLevels = String(marked);
  const n = snap.candles.length;  // about what the terminal shows; scroll or zoom for the rest
  chart.timeScale().setVisibleLogicalRange({ from: Math.max(0, n - 200), to: n + 2 });
  return { chart, series, studies, titles };
}

let view = null;  // { chart, series, studies, titles, symbol, interval }
let updates = 0;
let loads = 0;

async function show(symbol, interval) {
  text("title", `${symbol} ${interval}`);
  const snap = await snapshot(symbol, interval);
  if (view) view.chart.remove();
  const drawn = view = { ...draw(snap), symbol, interval };
  navigation();
  await new Promise((resolve) => requestAnimationFrame(resolve));  // the chart lays its panes out on a frame
  if (view !== drawn) return;  // another symbol was chosen meanwhile
  titlePanes(drawn.chart, drawn.titles);
  reportScales();
  Object.assign(body.dataset, {
    symbol, interval, candles: String(snap.candles.length), state: "drawn", loads: String(++loads),
  });
}

function reportScales() {  // for tests: the value range each bounded pane shows, from the chart's own scale
  if (!view) return;
  const shown = {};
  for (const study of view.studies) {
    if (!study.bounds || !view.series[study.columns[0]]) continue;
    const range = view.series[study.columns[0]].priceScale().getVisibleRange();
    shown[study.kind] = range && [range.from, range.to];
  }
  body.dataset.scales = JSON.stringify(shown);
}

function update(message) {
  if (!view || message.symbol !== view.symbol || message.interval !== view.interval) return;
  const c = message.candle;
  view.series.candles.update({ time: c.time, open: c.open, high: c.high, low: c.low, close: c.close });
  view.series.volume.update({ time: c.time, value: c.volume, color: c.close >= c.open ? UP : DOWN });
  for (const [column, value] of Object.entries(message.indicators)) {
    const s = view.series[column];
    if (!s) continue;
    if (value === null) s.update({ time: c.time });
    else if (column === "macd_histogram") s.update({ time: c.time, value, color: value >= 0 ? UP : DOWN });
    else s.update({ time: c.time, value });
  }
  body.dataset.updates = String(++updates);
  body.dataset.close = String(c.close);
}

function listen() {
  const socket = new WebSocket(`ws://${location.host}/ws?token=${encodeURIComponent(token)}`);
  socket.onmessage = async (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "watchlist") {
      body.dataset.symbols = JSON.stringify(message.symbols);
      navigation();
    } else if (message.type === "select") {
      if (message.fresh || !view || message.symbol !== view.symbol || message.interval !== view.interval) {
        await show(message.symbol, message.interval).catch(failed);
      }
    } else if (message.type === "candle") {
      update(message);
    } else if (message.type === "reload" && view) {  // the app's alert rules changed
      await show(view.symbol, view.interval).catch(failed);
    }
  };
  socket.onclose = () => {  // the app stopped or restarted: keep trying, then reload what was missed
    text("state", "reconnecting…");
    body.dataset.live = "no";
    setTimeout(() => { view = view && { ...view, symbol: null }; listen(); }, 2000);
  };
  socket.onopen = () => { text("state", "live"); body.dataset.live = "yes"; };
}

function failed(error) {
  body.dataset.state = "error";
  text("state", `cannot load the chart: ${error.message}`);
}

async function main() {
  if (!window.LightweightCharts) {
    text("state", "the chart library did not load");
    body.dataset.state = "no-library";
    return;
  }
  try {
    await show(body.dataset.symbol, body.dataset.interval);
  } catch (error) {
    failed(error);
  }
  listen();
}

main();
