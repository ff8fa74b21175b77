// How the dashboard and the replay word an integrity signal (rooms/integrity.py): observations for HR, no verdict.

import { formatNumber } from "./format.js";

const seconds = (v) => (typeof v === "number" ? ` for ${formatNumber(v, 1)} s` : "");

/** {text, tone} for an integrity signal's event or flag, or null when `name` is not one. */
export function describeIntegrity(name, value) {
  switch (name) {
    case "tab_hidden":
      return { text: `Interview page hidden${seconds(value)}`, tone: "warn" };
    case "window_blur":
      return { text: `Interview window out of focus${seconds(value)}`, tone: "warn" };
    case "fullscreen_exit":
      return { text: `Left full screen${seconds(value)}`, tone: "warn" };
    case "paste":
      return { text: `Text pasted into the page (${value ?? "?"} characters)`, tone: "warn" };
    case "second_screen":
      return { text: "A second screen is attached", tone: "warn" };
    case "page_reload":
      return { text: "Interview page reloaded", tone: "info" };
    case "voice_mouth_mismatch":
      return { text: `Voice does not go with the mouth's movement${seconds(value)}`, tone: "warn" };
    case "second_speaker":
      return { text: `Another voice${seconds(value)}`, tone: "warn" };
    case "reading":
      return { text: `Eye movements like reading${seconds(value)}`, tone: "warn" };
    case "answer_similarity":
      return {
        text: `Answer ${typeof value === "number" ? `${formatNumber(value * 100, 0)} % ` : ""}like another text`,
        tone: "warn",
      };
    default:
      return null;
  }
}
