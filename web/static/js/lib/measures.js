// The measures catalogue (rooms/measures.py) as the page config carries it: what each observation name means,
// its unit, its label in the page's language, and the chart group it is drawn in. Pages take names and labels
// from here instead of writing them out, so a measure added or renamed on the server reaches every chart.

import { readConfig } from "./config.js";

const catalogue = (readConfig().measures || {}).observations || {};

/** The names drawn in one chart group ("presence", "voice", "sound", "expression"), in catalogue order. */
export function chartNames(group) {
  return Object.keys(catalogue).filter((name) => catalogue[name].chart === group);
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
