"""One settings object, from command-line flags and the environment, passed in: no hidden globals."""

from __future__ import annotations

import argparse
import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ADMIN_TOKEN_ENV = "INTERVIEW_ADMIN_TOKEN"


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path("data")
    # Addresses aiortc may offer as ICE host candidates; empty means every non-loopback interface.
    ice_hosts: tuple[str, ...] = ()
    # STUN/TURN URLs handed to aiortc and the browsers. Empty by default: no traffic to public servers.
    ice_servers: tuple[str, ...] = ()
    admin_token: str | None = None
    token_ttl_s: int = 7 * 24 * 3600
    analysis_fps: float = 10.0
    # Live interviews one node admits; bench/load.py measures what a machine carries (see README).
    max_interviews: int = 8
    max_body_bytes: int = 256 * 1024
    retention_days: int = 90
    organisation: str = "Your organisation"
    # Emotion-style inference (an expression classifier) is off unless a deployment turns it on: some
    # jurisdictions ban emotion recognition at work. Descriptive measures are unaffected.
    emotion_inference: bool = False
    # The interview language, for speech recognition: "en" works out of the box (pocketsphinx); others need
    # a Kaldi model folder for vosk. Without one the transcript is off and every other measure still works.
    language: str = "en"
    vosk_models: tuple[tuple[str, str], ...] = ()  # (language, model folder)
    transcript: bool = True
    vad_engine: str = "silero"
    analysis_threads: int = field(default_factory=lambda: os.cpu_count() or 2)

    @classmethod
    def from_args(cls, argv: list[str] | None = None) -> Settings:
        defaults = cls()
        parser = argparse.ArgumentParser(description="Real-time AI video interview server")
        parser.add_argument("--host", default=defaults.host)
        parser.add_argument("--port", type=int, default=defaults.port)
        parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("INTERVIEW_DATA_DIR", "data")))
        parser.add_argument(
            "--ice-host",
            action="append",
            type=_ip_address,
            default=[],
            metavar="ADDR",
            help="restrict ICE host candidates to this address (repeatable; loopback allowed)",
        )
        parser.add_argument(
            "--ice-server",
            action="append",
            default=[],
            metavar="URL",
            help="a STUN or TURN URL (repeatable), e.g. turn:user:pass@turn.example.org:3478",
        )
        parser.add_argument("--analysis-fps", type=float, default=defaults.analysis_fps)
        parser.add_argument("--max-interviews", type=int, default=defaults.max_interviews)
        parser.add_argument("--retention-days", type=int, default=defaults.retention_days)
        parser.add_argument(
            "--emotion-inference",
            action="store_true",
            default=_env_flag("INTERVIEW_EMOTION_INFERENCE"),
            help="enable the expression classifier (off by default; banned at work in some jurisdictions)",
        )
        parser.add_argument("--language", default=os.environ.get("INTERVIEW_LANGUAGE", defaults.language))
        parser.add_argument(
            "--vosk-model",
            action="append",
            type=_language_folder,
            default=[],
            metavar="LANG=DIR",
            help="a Kaldi model folder for vosk speech recognition in language LANG (repeatable)",
        )
        parser.add_argument("--no-transcript", action="store_true", help="turn speech recognition off")
        parser.add_argument("--vad", choices=("silero", "webrtc"), default=defaults.vad_engine)
        parser.add_argument("--organisation", default=os.environ.get("INTERVIEW_ORGANISATION", defaults.organisation))
        args = parser.parse_args(argv)
        return cls(
            host=args.host,
            port=args.port,
            data_dir=args.data_dir,
            ice_hosts=tuple(args.ice_host),
            ice_servers=tuple(args.ice_server),
            admin_token=os.environ.get(ADMIN_TOKEN_ENV) or None,
            analysis_fps=args.analysis_fps,
            max_interviews=args.max_interviews,
            retention_days=args.retention_days,
            organisation=args.organisation,
            emotion_inference=args.emotion_inference,
            language=args.language,
            vosk_models=tuple(args.vosk_model),
            transcript=not args.no_transcript,
            vad_engine=args.vad,
        )


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _language_folder(text: str) -> tuple[str, str]:
    language, sep, folder = text.partition("=")
    if not sep or not language or not folder:
        raise argparse.ArgumentTypeError(f"expected LANG=DIR, got {text!r}")
    return language, folder


def _ip_address(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an IP address: {text!r}") from None


def load_or_create_secret(path: Path) -> str:
    """A secret kept in the data directory, created on first use, readable by the owner only."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secret + "\n")
    return secret
