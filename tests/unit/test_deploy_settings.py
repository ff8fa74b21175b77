"""check-config catches what would stop a deployment at start: half a TLS pair, a certificate that does not load,
a TURN secret file that is missing or empty; each named by its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.settings import check_config
from tests.support.local_ca import make_local_ca


def _check(tmp_path: Path, toml: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    config = tmp_path / "server.toml"
    config.write_text(toml)
    code = check_config(["--config", str(config)])
    return code, capsys.readouterr().out


def test_deployment_files_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ca = make_local_ca(tmp_path / "ca", "interview.example.com")
    secret = tmp_path / "turn_secret"
    secret.write_text("s3cret\n")
    good = (
        f'tls_cert = "{ca.server_cert}"\ntls_key = "{ca.server_key}"\n'
        f'turn_url = ["turn:interview.example.com:3478"]\nturn_secret_file = "{secret}"\n'
    )
    assert _check(tmp_path, good, capsys) == (0, f"{tmp_path / 'server.toml'}: valid\n")

    code, out = _check(tmp_path, good.replace(str(ca.server_key), str(ca.ca_cert)), capsys)
    assert code == 2 and "tls_cert: cannot load" in out
    code, out = _check(tmp_path, f'tls_cert = "{ca.server_cert}"\n', capsys)
    assert code == 2 and "tls_key" in out
    secret.write_text("\n")
    code, out = _check(tmp_path, good, capsys)
    assert code == 2 and "turn_secret_file" in out and "empty" in out
    secret.unlink()
    code, out = _check(tmp_path, good, capsys)
    assert code == 2 and "turn_secret_file" in out
    code, out = _check(tmp_path, 'turn_url = ["turn:interview.example.com:3478"]\n', capsys)
    assert code == 2 and "turn_secret_file" in out
