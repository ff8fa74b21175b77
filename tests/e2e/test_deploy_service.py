"""deploy/systemd/open-interview.service and deploy/server.example.toml, exercised: systemd accepts the unit
without a warning, its hardening scores as systemd rates it, and its very command line (paths substituted)
starts a server from the example configuration that becomes ready and drains on SIGTERM."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.server_process import ADMIN_TOKEN, ROOT, free_port

UNIT = ROOT / "deploy" / "systemd" / "open-interview.service"
EXAMPLE = ROOT / "deploy" / "server.example.toml"


def _unit_for(tmp_path: Path) -> Path:
    """The unit with its install paths pointing at this checkout and a test folder for /etc/open-interview."""
    text = UNIT.read_text()
    for old in ("/opt/open-interview", "/etc/open-interview"):
        assert old in text, f"{UNIT.name} no longer mentions {old}: update this test"
    unit = tmp_path / "open-interview.service"
    unit.write_text(text.replace("/opt/open-interview", str(ROOT)).replace("/etc/open-interview", str(tmp_path)))
    return unit


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_unit_and_rates_its_hardening(tmp_path: Path) -> None:
    unit = _unit_for(tmp_path)
    verify = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True)
    # systemd-analyze exits 0 on unknown keys and bad values, but says so: any output is a defect.
    assert verify.returncode == 0 and not verify.stderr.strip() and not verify.stdout.strip(), verify.stderr
    security = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", str(unit)], capture_output=True, text=True
    )
    exposure = float(re.search(r"Overall exposure level for \S+: ([0-9.]+)", security.stdout).group(1))
    assert exposure <= 4.0, security.stdout  # systemd: below 5 is "OK", 10 is "UNSAFE"
    settings = dict(line.split("=", 1) for line in unit.read_text().splitlines() if re.match(r"^[A-Z]\w+=", line))
    assert settings["ProtectSystem"] == "strict" and settings["Restart"] == "on-failure"
    assert settings["User"] == "open-interview" and settings["StateDirectory"] == "open-interview"
    # The unit waits longer than the server's longest drain before systemd kills it.
    assert int(settings["TimeoutStopSec"]) > 3600


def test_the_units_command_line_serves_the_example_configuration_and_drains(tmp_path: Path) -> None:
    unit = _unit_for(tmp_path).read_text()
    exec_start = shlex.split(re.search(r"^ExecStart=(.+)$", unit, re.M).group(1))
    # The example configuration, as an operator would adapt it to this machine: loopback and a free port.
    port = free_port()
    (tmp_path / "turn_secret").write_text("example-shared-secret\n")
    config = EXAMPLE.read_text()
    for old, new in {
        "port = 8080": f"port = {port}",
        'ice_host = ["203.0.113.10"]': 'ice_host = ["127.0.0.1"]',
        "/etc/open-interview/turn_secret": str(tmp_path / "turn_secret"),
    }.items():
        assert old in config, f"{EXAMPLE.name} no longer has {old!r}: update this test"
        config = config.replace(old, new)
    config_file = tmp_path / "server.toml"
    config_file.write_text(config)
    check = [exec_start[0], str(ROOT / "run.py"), "check-config", "--config", str(config_file)]
    assert subprocess.run(check).returncode == 0

    data_dir = tmp_path / "var-lib-open-interview"
    assert str(config_file) in exec_start and "/var/lib/open-interview" in exec_start
    argv = [str(data_dir) if a == "/var/lib/open-interview" else a for a in exec_start]
    log = (tmp_path / "server.log").open("wb")
    env = {**os.environ, "INTERVIEW_ADMIN_TOKEN": ADMIN_TOKEN, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, (tmp_path / "server.log").read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "not ready"
                time.sleep(0.3)
        process.send_signal(signal.SIGTERM)  # systemctl stop
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    text = (tmp_path / "server.log").read_text()
    assert '"message": "drained: no live interviews"' in text, text  # log_format = "json" from the example
    assert (data_dir / "interviews.sqlite3").exists()
