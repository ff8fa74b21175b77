"""How long the closing report takes to build (JSON) and to render (PDF) as the interview grows longer.

Hand-run, prints figures: `.venv/bin/python bench/report_timing.py [minutes ...]` (default 2.5, 15, 30, 60).
The timeline is tests/support/report_timelines.py's realistic 150 s interview (10 fps face, 4 Hz voice, transcript,
markers) repeated end to end, each copy a new session segment (its counters restart, as after a reconnect).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import jinja2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rooms.model import Observation, Room, RoomStatus  # noqa: E402
from rooms.report import build_report  # noqa: E402
from server.report_document import (  # noqa: E402
    WEB_DIR,
    pdf_static_url,
    render_report_html,
    render_report_pdf,
    report_context,
)
from tests.support.report_timelines import DURATION_S, STARTED_AT, interview_timeline  # noqa: E402


def long_timeline(minutes: float) -> list[Observation]:
    copies = max(1, round(minutes * 60 / DURATION_S))
    out = []
    for k in range(copies):
        shift = k * DURATION_S
        for o in interview_timeline(seed=k):
            detail = o.detail
            if detail and o.name.startswith("question_") and isinstance(detail.get("index"), int):
                detail = {**detail, "index": detail["index"] + 2 * k}
            out.append(Observation(o.type, o.name, o.value, round(o.t + shift, 3), o.arrival + shift, detail))
    return out


def main(minutes_list: list[float]) -> None:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(WEB_DIR / "templates"), autoescape=jinja2.select_autoescape(["html"])
    )
    print("minutes  observations  build_ms  html_ms  pdf_ms  pages_kb")
    for minutes in minutes_list:
        timeline = long_timeline(minutes)
        end = max(o.t for o in timeline)
        room = Room("bench", "Backend engineer", "Ada Lovelace", RoomStatus.ENDED, 0.0, STARTED_AT, STARTED_AT + end)
        t0 = time.perf_counter()
        report = build_report(room, timeline, room.ended_at)
        t1 = time.perf_counter()
        context = {
            "product_name": "Open Interview",
            "static_url": pdf_static_url(),
            **report_context(room.to_public(), report, pdf=True),
        }
        html = render_report_html(env, context)
        t2 = time.perf_counter()
        pdf = render_report_pdf(html)
        t3 = time.perf_counter()
        print(
            f"{end / 60:7.1f}  {len(timeline):12d}  {(t1 - t0) * 1000:8.0f}  {(t2 - t1) * 1000:7.0f}  "
            f"{(t3 - t2) * 1000:6.0f}  {len(pdf) / 1024:8.0f}"
        )


if __name__ == "__main__":
    main([float(a) for a in sys.argv[1:]] or [2.5, 15.0, 30.0, 60.0])
