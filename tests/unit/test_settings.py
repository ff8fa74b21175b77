"""Settings are declared once: flags, environment and the TOML file all come from the same field, in that order of
precedence (flags over environment over file over default), and a bad value names its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.settings import SettingError, Settings, build_parser, read_config_file

ROOT = Path(__file__).resolve().parents[2]


def _load(tmp_path: Path, toml: str | None = None, env: dict[str, str] | None = None, argv: list[str] = ()) -> Settings:
    args = list(argv)
    if toml is not None:
        path = tmp_path / "config.toml"
        path.write_text(toml, encoding="utf-8")
        args = ["--config", str(path), *args]
    return Settings.from_args(args, environ=env or {})


def test_defaults_and_derived_values(tmp_path: Path) -> None:
    settings = _load(tmp_path, argv=["--port", "9001"])
    assert settings.port == 9001 and settings.host == "127.0.0.1"
    assert settings.public_url == "http://127.0.0.1:9001"
    assert settings.node_id.endswith("-9001")
    assert settings.transcript and settings.recording and not settings.emotion_inference
    assert settings.language == "auto"  # a Mandarin or an English interview is transcribed without a flag


def test_every_setting_has_one_flag_one_env_and_one_config_key() -> None:
    specs = list(Settings.specs())
    assert len({s.name for s in specs}) == len(specs)
    assert len({s.env_var for s in specs if s.env_var}) == len([s for s in specs if s.env_var])
    assert all(s.help for s in specs), [s.name for s in specs if not s.help]
    flags = {a for action in build_parser()._actions for a in action.option_strings}
    for spec in specs:
        assert (spec.flag in flags) != spec.secret, spec.name  # secrets never on the command line


def test_flags_keep_their_historic_spellings(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        argv=[
            "--no-transcript", "--no-recording", "--vad", "webrtc", "--redis", "redis://127.0.0.1:1/0",
            "--ice-host", "127.0.0.1", "--ice-host", "::1", "--vosk-model", "ko=/models/ko",
            "--webhook-retry-base", "0.3", "--emotion-inference", "--script-time-scale", "0.05",
        ],
    )  # fmt: skip
    assert not settings.transcript and not settings.recording and settings.vad_engine == "webrtc"
    assert settings.redis_url == "redis://127.0.0.1:1/0"
    assert settings.ice_hosts == ("127.0.0.1", "::1")
    assert settings.vosk_models == (("ko", "/models/ko"),)
    assert settings.webhook_retry_base_s == 0.3 and settings.emotion_inference
    assert settings.script_time_scale == 0.05


def test_file_then_environment_then_flags(tmp_path: Path) -> None:
    toml = 'port = 9100\nhost = "0.0.0.0"\nmax_interviews = 5\nice_host = ["127.0.0.1"]\nrecording = false\n'
    settings = _load(tmp_path, toml)
    assert (settings.port, settings.host, settings.max_interviews) == (9100, "0.0.0.0", 5)
    assert settings.ice_hosts == ("127.0.0.1",) and not settings.recording
    env = {"INTERVIEW_PORT": "9200", "INTERVIEW_RECORDING": "1", "INTERVIEW_ICE_HOST": "127.0.0.2,127.0.0.3"}
    settings = _load(tmp_path, toml, env)
    assert settings.port == 9200 and settings.recording and settings.ice_hosts == ("127.0.0.2", "127.0.0.3")
    settings = _load(tmp_path, toml, env, ["--port", "9300", "--no-recording"])
    assert settings.port == 9300 and not settings.recording and settings.max_interviews == 5


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("port = 70000\n", "port"),
        ('analysis_fps = "fast"\n', "analysis_fps"),
        ("no_such_thing = 1\n", "no_such_thing"),
        ('vad = "other"\n', "vad"),
        ('ice_host = "127.0.0.1"\n', "ice_host"),
        ('ice_host = ["not-an-ip"]\n', "ice_host"),
        ("transcript = 1\n", "transcript"),
        ('language = "Chinese!"\n', "language"),
        ('admin_token = "x"\n', "admin_token"),
    ],
)
def test_a_bad_key_is_named(tmp_path: Path, toml: str, key: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(SettingError) as caught:
        read_config_file(path)
    assert caught.value.key == key


def test_bad_environment_value_is_named(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        _load(tmp_path, env={"INTERVIEW_MAX_INTERVIEWS": "0"})


def test_admin_token_from_environment_only(tmp_path: Path) -> None:
    assert _load(tmp_path, env={"INTERVIEW_ADMIN_TOKEN": "t" * 40}).admin_token == "t" * 40
