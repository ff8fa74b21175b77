"""Charts of a report's main timelines as inline SVG, drawn on the server: the same markup on the page and in the PDF.

Input is the report's `timelines` (fixed time buckets, rooms/timelines.py) and its question segments; output is
markup with no script and no external resource, so it prints and renders in WeasyPrint as it shows in a browser.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from markupsafe import Markup

from rooms.measures import EYE_CONTACT, FACE_PRESENT, SPEAKING, SPEECH_RATE

WIDTH, HEIGHT = 720, 170
LEFT, RIGHT, TOP, BOTTOM = 46, 12, 14, 26
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
COLOURS = {FACE_PRESENT: "#8c959f", EYE_CONTACT: "#0969da", SPEAKING: "#1a7f37", SPEECH_RATE: "#8250df"}


@dataclass(frozen=True, slots=True)
class Chart:
    id: str
    title: str
    caption: str
    svg: Markup


def report_charts(report: Mapping[str, Any], tr: Callable[[str], str] = str) -> list[Chart]:
    """The charts a report can draw; none when it has no timelines (an older report, or no media). `tr` puts the
    titles and captions in the reader's language (server/report_wording.py)."""
    timelines = report.get("timelines")
    if not isinstance(timelines, Mapping) or not timelines.get("buckets"):
        return []
    series = timelines["series"]
    bucket = float(timelines["bucket_s"])
    end = max(float(timelines["end_s"]), bucket)
    questions = report.get("questions") or []
    charts = []
    if any(v is not None for name in (FACE_PRESENT, EYE_CONTACT) for v in series[name]["values"]):
        charts.append(
            Chart(
                "chart-face",
                "Face in view and eye contact",
                f"Share per {bucket:g} s: grey, frames with a face in view; blue, face frames with the gaze on the "
                "camera or screen.",
                _svg(
                    tr("Face in view and eye contact over time"),
                    end,
                    bucket,
                    [
                        (FACE_PRESENT, series[FACE_PRESENT]["values"]),
                        (EYE_CONTACT, series[EYE_CONTACT]["values"]),
                    ],
                    (0.0, 1.0),
                    percent=True,
                    questions=questions,
                ),
            )
        )
    if any(v is not None for v in series[SPEAKING]["values"]):
        pauses = timelines.get("pauses") or []
        charts.append(
            Chart(
                "chart-speaking",
                "Speaking and pauses",
                f"Green bars: share of each {bucket:g} s with speech. Red ticks: pauses of 1 s or more "
                f"({len(pauses)} in all).",
                _svg(
                    tr("Speaking over time, with pauses"),
                    end,
                    bucket,
                    [],
                    (0.0, 1.0),
                    percent=True,
                    bars=(SPEAKING, series[SPEAKING]["values"]),
                    ticks=[float(p["t"]) for p in pauses],
                    questions=questions,
                ),
            )
        )
    rates = series[SPEECH_RATE]["values"]
    if any(v is not None for v in rates):
        band = _speech_rate_band(report)
        # A multiple of 120, so the four grid steps fall on round numbers (0, 120, 240, ...).
        top = max(480.0, math.ceil(max(v for v in rates if v is not None) / 120.0) * 120.0)
        charts.append(
            Chart(
                "chart-rate",
                "Speech rate",
                "Syllables per minute over the latest 20 s of speech"
                + (f"; the shaded band ({band[0]:g}-{band[1]:g}) scores 100." if band else "."),
                _svg(
                    tr("Speech rate over time"),
                    end,
                    bucket,
                    [(SPEECH_RATE, rates)],
                    (0.0, top),
                    band=band,
                    questions=questions,
                ),
            )
        )
    return charts


def _speech_rate_band(report: Mapping[str, Any]) -> tuple[float, float] | None:
    config = (report.get("scoring") or {}).get("config") or {}
    for dim in config.get("dimensions", []):
        for m in dim.get("measures", []):
            if m.get("measure") == SPEECH_RATE and m.get("rule") == "band":
                return float(m["low"]), float(m["high"])
    return None


def _svg(
    title: str,
    end: float,
    bucket: float,
    lines: Sequence[tuple[str, Sequence[float | None]]],
    y_range: tuple[float, float],
    *,
    percent: bool = False,
    bars: tuple[str, Sequence[float | None]] | None = None,
    ticks: Sequence[float] = (),
    band: tuple[float, float] | None = None,
    questions: Sequence[Mapping[str, Any]] = (),
) -> Markup:
    lo, hi = y_range

    def x(t: float) -> float:
        return LEFT + PLOT_W * min(max(t, 0.0), end) / end

    def y(v: float) -> float:
        return TOP + PLOT_H * (1.0 - (min(max(v, lo), hi) - lo) / (hi - lo))

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'class="report-chart" font-family="DejaVu Sans, Arial, sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
    ]
    if band is not None:
        out.append(
            _tag(
                "rect",
                x=LEFT,
                y=y(band[1]),
                width=PLOT_W,
                height=y(band[0]) - y(band[1]),
                fill="#8250df",
                fill_opacity=0.08,
            )
        )
    for i in range(5):  # horizontal grid and y labels
        v = lo + (hi - lo) * i / 4
        label = f"{v * 100:.0f}%" if percent else f"{v:.0f}"
        out.append(_tag("line", x1=LEFT, x2=LEFT + PLOT_W, y1=y(v), y2=y(v), stroke="#d0d7de", stroke_width=0.6))
        out.append(_tag("text", label, x=LEFT - 6, y=y(v) + 4, text_anchor="end", fill="#57606a"))
    step = _time_step(end)
    t = 0.0
    while t <= end + 1e-9:  # time axis, m:ss
        out.append(_tag("text", _clock(t), x=x(t), y=HEIGHT - 8, text_anchor="middle", fill="#57606a"))
        out.append(_tag("line", x1=x(t), x2=x(t), y1=TOP + PLOT_H, y2=TOP + PLOT_H + 4, stroke="#8c959f"))
        t += step
    if bars is not None:
        name, values = bars
        width = max(PLOT_W * bucket / end - 1.0, 0.8)
        for i, share in enumerate(values):
            if share is not None and share > 0:
                out.append(
                    _tag(
                        "rect",
                        x=x(i * bucket),
                        y=y(share),
                        width=width,
                        height=TOP + PLOT_H - y(share),
                        fill=COLOURS[name],
                        fill_opacity=0.75,
                    )
                )
    for name, values in lines:
        for run in _runs(values):
            if len(run) == 1:
                i, v = run[0]
                out.append(_tag("circle", cx=x((i + 0.5) * bucket), cy=y(v), r=2, fill=COLOURS[name]))
            else:
                points = " ".join(f"{x((i + 0.5) * bucket):.1f},{y(v):.1f}" for i, v in run)
                out.append(_tag("polyline", points=points, fill="none", stroke=COLOURS[name], stroke_width=1.8))
    for t in ticks:
        out.append(_tag("line", x1=x(t), x2=x(t), y1=TOP, y2=TOP + 14, stroke="#cf222e", stroke_width=1.5))
    for n, q in enumerate(questions, start=1):
        qx = x(float(q["start_t"]))
        out.append(_tag("line", x1=qx, x2=qx, y1=TOP, y2=TOP + PLOT_H, stroke="#24292f", stroke_dasharray="3 3"))
        out.append(_tag("text", f"Q{n}", x=qx + 3, y=TOP + 10, fill="#24292f", font_weight="bold"))
    out.append(
        _tag("rect", x=LEFT, y=TOP, width=PLOT_W, height=PLOT_H, fill="none", stroke="#8c959f", stroke_width=0.8)
    )
    out.append("</svg>")
    return Markup("\n".join(out))


def _tag(name: str, text: str | None = None, **attrs: float | str) -> str:
    """One SVG element. Attribute names use "_" for "-" (stroke_width -> stroke-width); at most 2 decimals."""
    parts = [name]
    for key, value in attrs.items():
        shown = f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
        parts.append(f'{key.replace("_", "-")}="{escape(shown)}"')
    opening = "<" + " ".join(parts)
    return f"{opening}>{escape(text)}</{name}>" if text is not None else f"{opening}/>"


def _runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Consecutive measured buckets: a gap (nothing measured) breaks the line instead of bridging it."""
    runs: list[list[tuple[int, float]]] = []
    current: list[tuple[int, float]] = []
    for i, v in enumerate(values):
        if v is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((i, float(v)))
    if current:
        runs.append(current)
    return runs


def _time_step(end: float) -> float:
    for step in (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600):
        if end / step <= 10:
            return float(step)
    return 7200.0


def _clock(seconds: float) -> str:
    total = int(seconds)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
