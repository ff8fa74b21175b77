// The measures catalogue (rooms/measures.py) as the page config carries it: what each observation name means,
// its unit, its label in the page's language, the chart group it is drawn in and how, its dashboard tile and how
// the event list words it. Pages take names, labels, colours and wording from here instead of writing them out,
// so a measure added or renamed on the server reaches every chart, tile and list with no edit to the pages.

import { readConfig } from "./config.js";
import { formatNumber } from "./format.js";
import { interpolate } from "./i18n.js";

const page = readConfig().measures || {};
const catalogue = page.observations || {};

// The chart colours for a charted measure the catalogue gives no style: the next one in its group.
const PALETTE = ["#1a7f37", "#0b5cad", "#b07d00", "#8250df", "#c9302c", "#0a7480", "#bf3989", "#57606a"];

/**
 * Every name by the constant rooms/measures.py spells it with (`M.EYE_CONTACT` is the eye-contact measure).
 * Where a page needs special behaviour for one measure it names it through these, never with a string of its
 * own; a constant the server does not know throws instead of silently matching nothing.
 */
export const M = new Proxy(Object.freeze({ ...(page.names || {}) }), {
  get(names, key) {
    if (typeof key === "string" && /^[A-Z][A-Z0-9_]*$/.test(key) && !(key in names)) {
      throw new Error(`${key} is not a measure constant (rooms/measures.py)`);
    }
    return names[key];
  },
});

/**
 * The names drawn in one chart group ("presence", "voice", "sound", "expression"), in catalogue order: from the
 * config's lists, since its objects arrive with their keys sorted. The order of the data columns (state.js,
 * the replay's series) and of the chart lines and their labels is this one.
 */
export function chartNames(group) {
  return ((page.charts || {})[group] || []).filter((name) => name in catalogue);
}

function rgba(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}

/**
 * A charted measure's colour: its style's, or else a palette colour no other line of its group has, in turn
 * (so a measure added without a style is told apart from the styled ones).
 */
export function measureColour(name) {
  const entry = catalogue[name];
  if (!entry) return PALETTE[0];
  if (entry.style && entry.style.colour) return entry.style.colour;
  const group = entry.chart ? chartNames(entry.chart) : [name];
  const styled = new Set(group.map((n) => catalogue[n].style && catalogue[n].style.colour).filter(Boolean));
  const free = PALETTE.filter((colour) => !styled.has(colour));
  const unstyled = group.filter((n) => !(catalogue[n].style && catalogue[n].style.colour));
  const pool = free.length ? free : PALETTE;
  return pool[Math.max(0, unstyled.indexOf(name)) % pool.length];
}

/**
 * How each line of a chart group is drawn, in catalogue order: {name, label, stroke, fill, width, rightAxis}.
 * `width` is null for the chart's default; `label` carries the legend's unit in brackets when there is one.
 */
export function chartSeries(group) {
  return chartNames(group).map((name) => {
    const style = catalogue[name].style || {};
    const stroke = measureColour(name);
    const label = style.legend_unit ? `${measureLabel(name)} (${style.legend_unit})` : measureLabel(name);
    return {
      name,
      label,
      stroke,
      fill: style.fill ? rgba(stroke, style.fill) : null,
      width: typeof style.width === "number" ? style.width : null,
      rightAxis: Boolean(style.right_axis),
    };
  });
}

/** A measure's label in the page's language; the name itself when the catalogue does not know it. */
export function measureLabel(name) {
  const entry = catalogue[name];
  return entry && entry.label ? entry.label : name;
}

/** A measure's unit ("" for flags and text). */
export function measureUnit(name) {
  const entry = catalogue[name];
  return entry ? entry.unit : "";
}

/** The dashboard tiles in catalogue form, {name, card, order, format, label, ...}, in card then tile order. */
export function tileSpecs() {
  return Object.values(page.tiles || {}).flat();
}

/** How the event list words an event ({text, tone, text_off, tone_off, values, labelled, text_number}), or null. */
export function eventWording(name) {
  const entry = catalogue[name];
  return entry && entry.event ? entry.event : null;
}

// A marker's optional label, appended after a colon; labels are free text from the interviewer.
function withLabel(text, value) {
  return typeof value === "string" && value.trim() ? `${text}: ${value.trim()}` : text;
}

// Placeholders an event's wording may use: as rooms/measures.py event_placeholders makes them for the report.
function placeholders(value) {
  const shown = value === null || value === undefined ? "" : String(value);
  const number = typeof value === "number" && Number.isFinite(value);
  return {
    s: number ? formatNumber(value, 1) : shown,
    p: number ? formatNumber(value * 100, 0) : shown,
    whole: number ? String(Math.floor(value)) : shown,
    n: shown,
    text: shown,
    node: shown,
  };
}

/** {text, tone} for an event as the catalogue words it, in the page's language; null when it has no wording. */
export function describeMeasureEvent(name, value) {
  const wording = eventWording(name);
  if (!wording) return null;
  if (typeof value === "string" && wording.values[value]) return { text: wording.values[value], tone: wording.tone };
  if (wording.text_off && !value) return { text: wording.text_off, tone: wording.tone_off };
  if (wording.labelled) return { text: withLabel(wording.text, value), tone: wording.tone };
  const text = wording.text_number && typeof value === "number" && Number.isFinite(value) ? wording.text_number : wording.text;
  return { text: interpolate(text, placeholders(value)), tone: wording.tone };
}

/** Whether the dashboard's event list shows an event (some are folded into a tile instead). */
export function isListed(name) {
  const entry = catalogue[name];
  return !entry || entry.listed !== false;
}
