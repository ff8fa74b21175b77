"""Reading a PDF back as text (poppler's pdftotext), to check what a report says."""

from __future__ import annotations

import subprocess
from pathlib import Path


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
