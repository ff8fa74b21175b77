// How the dashboard and the replay word an integrity signal (rooms/integrity.py): observations for HR, no verdict.

import { gettext } from "./i18n.js";
import { formatNumber } from "./format.js";

const seconds = (v) => (typeof v === "number" ? gettext(" for %(s)s s", { s: formatNumber(v, 1) }) : "");

/** {text, tone} for an integrity signal's event or flag, or null when `name` is not one. */
export function describeIntegrity(name, value) {
  switch (name) {
    case "tab_hidden":
      return { text: gettext("Interview page hidden") + seconds(value), tone: "warn" };
    case "window_blur":
      return { text: gettext("Interview window out of focus") + seconds(value), tone: "warn" };
    case "fullscreen_exit":
      return { text: gettext("Left full screen") + seconds(value), tone: "warn" };
    case "paste":
      return { text: gettext("Text pasted into the page (%(n)s characters)", { n: value ?? "?" }), tone: "warn" };
    case "second_screen":
      return { text: gettext("A second screen is attached"), tone: "warn" };
    case "page_reload":
      return { text: gettext("Interview page reloaded"), tone: "info" };
    case "voice_mouth_mismatch":
      return { text: gettext("Voice does not go with the mouth's movement") + seconds(value), tone: "warn" };
    case "second_speaker":
      return { text: gettext("Another voice") + seconds(value), tone: "warn" };
    case "reading":
      return { text: gettext("Eye movements like reading") + seconds(value), tone: "warn" };
    case "answer_similarity":
      return {
        text: typeof value === "number"
          ? gettext("Answer %(p)s %% like another text", { p: formatNumber(value * 100, 0) })
          : gettext("Answer like another text"),
        tone: "warn",
      };
    default:
      return null;
  }
}
