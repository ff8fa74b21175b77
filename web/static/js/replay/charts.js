// The replay's charts (uPlot), all on one x axis: the whole interview, 0 to its end. Each carries the playback
// cursor (a line that follows the video), shades the flagged moments, and seeks where it is clicked.

import { gettext, ngettext } from "../lib/i18n.js";
import { formatClock } from "../lib/format.js";
import { chartNames, chartSeries, M } from "../lib/measures.js";

const HEIGHT = 120;
const AXIS_GREY = "#57606a";
// Shading per flagged kind (rooms/replay.py FLAG_KINDS): faint, so the lines stay readable. Other kinds (the
// integrity signals, long pauses) get the grey.
const FLAG_GREY = "rgba(87,96,106,0.12)";
const FLAG_FILL = {
  [M.FACE_LOST]: "rgba(179,38,30,0.13)",
  [M.MULTIPLE_FACES]: "rgba(154,103,0,0.16)",
  [M.LOOK_AWAY]: "rgba(130,80,223,0.12)",
};
const MIN_BAND_S = 0.5; // a moment with no known end still gets a visible sliver

const axisStyle = {
  stroke: AXIS_GREY,
  grid: { stroke: "#eaeef2", width: 1 },
  ticks: { stroke: "#d0d7de", width: 1 },
};
const xAxis = { ...axisStyle, values: (u, splits) => splits.map((s) => formatClock(s)), space: 60 };
const yAxis = (extra = {}) => ({ ...axisStyle, size: 52, ...extra });
// Right axes keep every chart's plot the same width, so one moment sits at one x on all of them.
const RIGHT_SIZE = 48;
const spacerAxis = {
  side: 1,
  scale: "y",
  size: RIGHT_SIZE,
  values: () => [],
  grid: { show: false },
  ticks: { show: false },
};
const rightAxis = (scale) => ({ ...axisStyle, scale, side: 1, grid: { show: false }, size: RIGHT_SIZE });

// The lines of a chart group, as the catalogue styles them (colour, fill, width, right axis: rooms/measures.py).
const lines = (group) =>
  chartSeries(group).map((s) => ({
    label: s.label,
    stroke: s.stroke,
    width: s.width === null ? 1.5 : s.width,
    spanGaps: false, // the server leaves nulls only where data really stopped: draw a break there
    points: { show: false },
    ...(s.fill ? { fill: s.fill } : {}),
    ...(s.rightAxis ? { scale: "right" } : {}),
  }));
const percent = (u, splits) => splits.map((v) => `${Math.round(v * 100)}%`);
// A right axis from 0, at least to 300 (speech rate, pitch: ordinary values sit mid-chart).
const rightRange = (u, min, max) => [0, Math.max(300, Math.ceil(((max || 0) * 1.1) / 50) * 50)];

// Each chart: the catalogue's chart group it draws and its axes. `names` index the server's series columns.
const SPECS = {
  face: {
    group: "presence",
    always: true,
    scales: { y: { range: [0, 1.05] } },
    axes: [yAxis({ splits: () => [0, 0.5, 1], values: percent }), spacerAxis],
  },
  voice: {
    group: "voice",
    always: true,
    scales: { y: { range: [0, 1.05] }, right: { range: rightRange } },
    axes: [yAxis({ splits: () => [0, 1], values: (u, s) => s.map((v) => (v ? "talk" : "quiet")) }), rightAxis("right")],
  },
  sound: {
    group: "sound",
    // Fixed, so charts of different interviews compare; digital silence (-120 dBFS) sits below the floor.
    scales: { y: { range: [-80, 0] }, right: { range: rightRange } },
    axes: [yAxis(), rightAxis("right")],
  },
  expression: {
    group: "expression",
    scales: { y: { range: [0, 1] } },
    axes: [yAxis({ splits: () => [0, 0.5, 1] }), spacerAxis],
  },
};
for (const spec of Object.values(SPECS)) {
  spec.names = chartNames(spec.group);
  spec.series = lines(spec.group);
}

function hasData(column) {
  return Array.isArray(column) && column.some((v) => v !== null && v !== undefined);
}

export class ReplayCharts {
  /**
   * @param {Record<string, HTMLElement>} elements  chart name -> container (its parent block is unhidden when drawn)
   * @param {{duration_s: number, series: Record<string, (number|null)[]>, flags: object[]}} replay
   * @param {(t: number) => void} onSeek
   */
  constructor(elements, replay, onSeek) {
    this.charts = [];
    this.cursorT = 0;
    this.duration = Math.max(1, replay.duration_s || 0);
    this.flags = replay.flags || [];
    this.onSeek = onSeek;
    if (typeof window.uPlot !== "function") {
      for (const el of Object.values(elements)) el.textContent = gettext("Charts unavailable (uPlot did not load).");
      return;
    }
    const xs = replay.series.t || [];
    for (const [name, el] of Object.entries(elements)) {
      const spec = SPECS[name];
      const columns = spec.names.map((n) => replay.series[n] || new Array(xs.length).fill(null));
      if (!spec.always && !columns.some(hasData)) continue;
      el.parentElement.hidden = false;
      if (!columns.some(hasData)) el.dataset.empty = "true"; // CSS says "no data" over it
      this.charts.push(this._chart(el, spec, [xs, ...columns]));
    }
    this._observeSize();
  }

  /** Media time the interview lasts, once the recording knows better than the timeline. */
  setDuration(seconds) {
    if (!(seconds > this.duration + 0.5)) return;
    this.duration = seconds;
    for (const { u } of this.charts) u.setScale("x", { min: 0, max: this.duration });
  }

  /** Moves the playback cursor on every chart. */
  setCursor(t) {
    this.cursorT = t;
    for (const chart of this.charts) this._placeCursor(chart);
  }

  _chart(el, spec, data) {
    const opts = {
      width: Math.max(200, el.clientWidth),
      height: HEIGHT,
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false }, points: { show: false }, y: false },
      scales: { x: { time: false, range: () => [0, this.duration] }, ...spec.scales },
      axes: [xAxis, ...spec.axes],
      series: [{ label: "t" }, ...spec.series],
      hooks: {
        drawClear: [(u) => this._drawFlags(u)],
        setSize: [() => chart && this._placeCursor(chart)],
      },
    };
    let chart = null;
    const u = new window.uPlot(opts, data, el);
    const cursor = document.createElement("div");
    cursor.className = "replay-cursor";
    cursor.setAttribute("aria-hidden", "true");
    u.over.appendChild(cursor);
    u.over.addEventListener("click", (event) => {
      const rect = u.over.getBoundingClientRect();
      const t = u.posToVal(event.clientX - rect.left, "x");
      if (Number.isFinite(t)) this.onSeek(Math.min(Math.max(0, t), this.duration));
    });
    chart = { el, u, cursor };
    this._placeCursor(chart);
    return chart;
  }

  _placeCursor({ u, cursor }) {
    const x = u.valToPos(this.cursorT, "x");
    cursor.style.transform = `translateX(${Math.round(x)}px)`;
    cursor.dataset.t = this.cursorT.toFixed(2);
    cursor.dataset.x = String(Math.round(x));
  }

  // Flagged moments as faint bands behind the lines; drawn in canvas pixels (bbox is already scaled).
  _drawFlags(u) {
    if (!this.flags.length) return;
    const { ctx } = u;
    const { top, height, left, width } = u.bbox;
    ctx.save();
    for (const flag of this.flags) {
      const end = typeof flag.end === "number" ? Math.max(flag.end, flag.start + MIN_BAND_S) : flag.start + MIN_BAND_S;
      const x0 = Math.max(left, u.valToPos(flag.start, "x", true));
      const x1 = Math.min(left + width, u.valToPos(end, "x", true));
      if (x1 <= x0) continue;
      ctx.fillStyle = FLAG_FILL[flag.kind] || FLAG_GREY;
      ctx.fillRect(x0, top, Math.max(1, x1 - x0), height);
    }
    ctx.restore();
  }

  _observeSize() {
    if (typeof ResizeObserver !== "function") return;
    const observer = new ResizeObserver((entries) => {
      for (const entry of entries) {
        const chart = this.charts.find((c) => c.el === entry.target);
        const width = Math.floor(entry.contentRect.width);
        if (chart && width > 0 && width !== chart.u.width) chart.u.setSize({ width, height: HEIGHT });
      }
    });
    for (const chart of this.charts) observer.observe(chart.el);
  }
}
