// The health line: how well the analysis keeps up with this interview, and how loaded the node running it is,
// so an interviewer can tell a slow node from a slow link.

import { gettext, ngettext } from "../lib/i18n.js";
import { formatNumber } from "../lib/format.js";

export class HealthLine {
  constructor(doc = document) {
    const $ = (id) => doc.getElementById(id);
    this.el = {
      fps: $("health-fps"),
      dropped: $("health-dropped"),
      lag: $("health-lag"),
      gaps: $("health-audio-gaps"),
      latency: $("health-latency"),
      node: $("health-node"),
      cpu: $("health-node-cpu"),
      loopLag: $("health-loop-lag"),
      active: $("health-active"),
    };
  }

  render(state) {
    const last = state.last;
    const el = this.el;
    el.fps.textContent = formatNumber(last.video_fps, 1);
    el.dropped.textContent = formatNumber(last.frames_dropped, 0);
    el.lag.textContent = typeof last.lag_s === "number" ? `${formatNumber(last.lag_s, 1)} s` : "—";
    el.gaps.textContent = formatNumber(last.audio_gaps, 0);
    const median = state.medianLatency();
    el.latency.textContent = median === null ? "—" : gettext("%(ms)s ms", { ms: Math.round(median) });

    // Node figures come every 2 s from servers that report them; older servers never do, so stay hidden.
    if (!el.node) return;
    const known = ["node_cpu_pct", "loop_lag_ms", "active_interviews"].some((n) => typeof last[n] === "number");
    el.node.hidden = !known;
    if (!known) return;
    el.cpu.textContent = typeof last.node_cpu_pct === "number" ? `${formatNumber(last.node_cpu_pct, 0)} %` : "—";
    el.loopLag.textContent = typeof last.loop_lag_ms === "number" ? `${formatNumber(last.loop_lag_ms, 0)} ms` : "—";
    el.active.textContent = formatNumber(last.active_interviews, 0);
  }
}
