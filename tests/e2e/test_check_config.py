"""`run.py check-config`: the command an operator runs on a config file before deploying it (a subprocess)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_check_config_command(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text('port = 9000\nlanguage = "zh"\nvad = "webrtc"\n', encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text("port = 9000\nrecording_height = 5000\n", encoding="utf-8")
    run = [sys.executable, str(ROOT / "run.py"), "check-config", "--config"]
    ok = subprocess.run([*run, str(good)], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    failed = subprocess.run([*run, str(bad)], capture_output=True, text=True, timeout=60)
    assert failed.returncode != 0 and "recording_height" in failed.stdout
