"""Accuracy of every analyzer against inputs whose truth is known, through the same code the server runs.

    .venv/bin/python bench/accuracy.py [voice face transcript]

Prints one table: measure, case, truth, measured, error, target, and whether the target is met. The parts live
beside this file (accuracy_voice.py, accuracy_face.py, accuracy_transcript.py), each runnable alone. Run by
hand; a measurement, not a test.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

PARTS = ("voice", "face", "transcript")


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return "" if value is None else str(value)


def print_table(rows: list[dict[str, Any]]) -> None:
    columns = ("measure", "case", "truth", "measured", "error", "target", "ok")
    cells = [
        [_cell(row.get(c)) if c != "ok" else {True: "yes", False: "NO", None: ""}[row.get("ok")] for c in columns]
        for row in rows
    ]
    widths = [max(len(c), *(len(r[i]) for r in cells)) if cells else len(c) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for r in cells:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))


def main(parts: list[str]) -> None:
    rows: list[dict[str, Any]] = []
    for part in parts:
        start = time.monotonic()
        module = importlib.import_module(f"accuracy_{part}")
        part_rows = module.run()
        rows.extend(part_rows)
        print(f"[{part}: {len(part_rows)} rows in {time.monotonic() - start:.0f} s]", file=sys.stderr, flush=True)
    print_table(rows)
    judged = [r for r in rows if r.get("ok") is not None]
    print(f"\n{sum(1 for r in judged if r['ok'])} of {len(judged)} targets met")


if __name__ == "__main__":
    main(sys.argv[1:] or list(PARTS))
