// The three live charts (uPlot). They share a clock: the right edge is the newest media time seen anywhere,
// so face, expression and voice line up vertically.

import { gettext, ngettext } from "../lib/i18n.js";
import { formatClock } from "../lib/format.js";
import { chartSeries } from "../lib/measures.js";

const WINDOW_S = 120;
const HEIGHT = 130;

function xScale(getNow) {
  return {
    time: false,
    // Before two minutes have passed, show 0–120 s so the chart fills from the left instead of stretching.
    range: () => {
      const now = getNow();
      const hi = Math.max(now, WINDOW_S);
      return [hi - WINDOW_S, hi];
    },
  };
}

const xAxis = {
  stroke: "#57606a",
  grid: { stroke: "#eaeef2", width: 1 },
  ticks: { stroke: "#d0d7de", width: 1 },
  values: (u, splits) => splits.map((s) => formatClock(s)),
  space: 60,
};

function yAxis(overrides = {}) {
  return {
    stroke: "#57606a",
    grid: { stroke: "#eaeef2", width: 1 },
    ticks: { stroke: "#d0d7de", width: 1 },
    size: 52,
    ...overrides,
  };
}

// The lines of a chart group, as the catalogue styles them (colour, fill, width, right axis: rooms/measures.py).
// spanGaps off: Timeline already bridges short holes and leaves nulls only where data really stopped.
function lines(group) {
  return chartSeries(group).map((s) => ({
    label: s.label,
    stroke: s.stroke,
    width: s.width === null ? 2 : s.width,
    spanGaps: false,
    points: { show: false },
    ...(s.fill ? { fill: s.fill } : {}),
    ...(s.rightAxis ? { scale: "right" } : {}),
  }));
}

// An empty right axis as wide as the voice chart's speech-rate axis: all three plots get the same width,
// so a moment lines up vertically across the charts.
const spacerAxis = { side: 1, scale: "y", size: 50, values: () => [], grid: { show: false }, ticks: { show: false } };

// Each chart: the catalogue's chart group it draws (state.js keeps the same timelines), and its axes.
export const CHART_GROUPS = { face: "presence", expression: "expression", voice: "voice" };

const SPECS = {
  face: (getNow) => ({
    scales: { x: xScale(getNow), y: { range: [0, 1.05] } },
    axes: [xAxis, yAxis({ splits: () => [0, 0.5, 1], values: (u, s) => s.map((v) => `${v * 100}%`) }), spacerAxis],
  }),
  expression: (getNow) => ({
    scales: { x: xScale(getNow), y: { range: [0, 1] } },
    axes: [xAxis, yAxis({ splits: () => [0, 0.5, 1] }), spacerAxis],
  }),
  voice: (getNow) => ({
    scales: {
      x: xScale(getNow),
      y: { range: [0, 1.05] },
      // The right axis (speech rate): at least 0–300 so ordinary rates (~150–250) sit mid-chart.
      right: { range: (u, min, max) => [0, Math.max(300, Math.ceil(((max || 0) * 1.1) / 50) * 50)] },
    },
    axes: [
      xAxis,
      yAxis({ splits: () => [0, 1], values: (u, s) => s.map((v) => (v ? "talk" : "quiet")) }),
      yAxis({ scale: "right", side: 1, grid: { show: false }, size: 50 }),
    ],
  }),
};

export class Charts {
  /**
   * @param {Record<string, HTMLElement>} elements  chart name -> container
   * @param {Record<string, import("./timeline.js").Timeline>} timelines  chart name -> data
   * @param {() => number} getNow  newest media time
   */
  constructor(elements, timelines, getNow) {
    this.charts = {};
    this.timelines = timelines;
    if (typeof window.uPlot !== "function") {
      // The tiles still work without charts; say so where the charts would be.
      for (const el of Object.values(elements)) el.textContent = gettext("Charts unavailable (uPlot did not load).");
      return;
    }
    for (const [name, el] of Object.entries(elements)) {
      const opts = {
        width: Math.max(200, el.clientWidth),
        height: HEIGHT,
        // Labels only: the tiles above each chart carry the current values.
        legend: { show: true, live: false },
        cursor: { drag: { x: false, y: false }, points: { show: false } },
        ...SPECS[name](getNow),
        series: [{ label: "t" }, ...lines(CHART_GROUPS[name])],
      };
      this.charts[name] = new window.uPlot(opts, timelines[name].data(), el);
    }
    this._observeSize(elements);
  }

  _observeSize(elements) {
    if (typeof ResizeObserver !== "function") return;
    const observer = new ResizeObserver((entries) => {
      for (const entry of entries) {
        const name = entry.target.dataset.chart;
        const chart = this.charts[name];
        const width = Math.floor(entry.contentRect.width);
        if (chart && width > 0 && width !== chart.width) chart.setSize({ width, height: HEIGHT });
      }
    });
    for (const [name, el] of Object.entries(elements)) {
      el.dataset.chart = name;
      observer.observe(el);
    }
  }

  redraw() {
    for (const [name, chart] of Object.entries(this.charts)) chart.setData(this.timelines[name].data());
  }
}
