// The health line: how well the analysis keeps up with this interview, and how loaded the node running it is,
// so an interviewer can tell a slow node from a slow link, and an operator sees a lane falling behind.

import { gettext } from "../lib/i18n.js";
import { formatNumber } from "../lib/format.js";

export class HealthLine {
  constructor(doc = document) {
    const $ = (id) => doc.getElementById(id);
    this.el = {
      fps: $("health-fps"),
      dropped: $("health-dropped"),
      gaps: $("health-audio-gaps"),
      latency: $("health-latency"),
      node: $("health-node"),
      cpu: $("health-node-cpu"),
      loopLag: $("health-loop-lag"),
      active: $("health-active"),
    };
    // One entry per analysis lane, as the template writes them from the measures catalogue: the names of the
    // lane's lag and latency measures, and the lag past which it is behind.
    this.lanes = [...doc.querySelectorAll(".health-lane")].map((el) => ({
      el,
      lag: el.dataset.lag,
      latency: el.dataset.latency,
      behindS: Number(el.dataset.behindS),
      value: el.querySelector("[data-value]"),
      note: el.querySelector("[data-behind-note]"),
    }));
  }

  render(state) {
    const last = state.last;
    const el = this.el;
    el.fps.textContent = formatNumber(last.video_fps, 1);
    el.dropped.textContent = formatNumber(last.frames_dropped, 0);
    el.gaps.textContent = formatNumber(last.audio_gaps, 0);
    const median = state.medianLatency();
    el.latency.textContent = median === null ? "—" : gettext("%(ms)s ms", { ms: Math.round(median) });
    for (const lane of this.lanes) this.renderLane(lane, last[lane.lag], last[lane.latency]);

    // Node figures come every 2 s from servers that report them; older servers never do, so stay hidden.
    if (!el.node) return;
    const known = ["node_cpu_pct", "loop_lag_ms", "active_interviews"].some((n) => typeof last[n] === "number");
    el.node.hidden = !known;
    if (!known) return;
    el.cpu.textContent = typeof last.node_cpu_pct === "number" ? `${formatNumber(last.node_cpu_pct, 0)} %` : "—";
    el.loopLag.textContent = typeof last.loop_lag_ms === "number" ? `${formatNumber(last.loop_lag_ms, 0)} ms` : "—";
    el.active.textContent = formatNumber(last.active_interviews, 0);
  }

  /** "0.2 s · 45 ms": the lane's lag behind real time and its worst latency over the last health interval. */
  renderLane(lane, lagS, latencyMs) {
    const hasLag = typeof lagS === "number";
    const hasLatency = typeof latencyMs === "number";
    lane.el.hidden = !hasLag && !hasLatency;
    if (lane.el.hidden) return;
    const lag = hasLag ? gettext("%(s)s s", { s: formatNumber(lagS, 1) }) : "—";
    const latency = hasLatency ? gettext("%(ms)s ms", { ms: Math.round(latencyMs) }) : "—";
    lane.value.textContent = `${lag} · ${latency}`;
    // Behind: its newest result, or the work it has waited on longest, is older than the lane may trail.
    const behind = (hasLag && lagS > lane.behindS) || (hasLatency && latencyMs / 1000 > lane.behindS);
    lane.el.toggleAttribute("data-behind", behind);
    lane.note.textContent = behind ? gettext("behind") : "";
  }
}
