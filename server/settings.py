"""One settings object, from command-line flags and the environment, passed in: no hidden globals."""

from __future__ import annotations

import argparse
import ipaddress
import os
import secrets
import socket
import zoneinfo
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
    max_interviews: int = 6
    max_body_bytes: int = 256 * 1024
    retention_days: int = 90
    organisation: str = "Your organisation"
    # Emotion-style inference (an expression classifier) is off unless a deployment turns it on: some
    # jurisdictions ban emotion recognition at work. Descriptive measures are unaffected.
    emotion_inference: bool = False
    # Eye contact lost for longer than this is flagged as a look-away.
    look_away_s: float = 3.0
    # The report's scoring dimensions and weights (TOML); None = rooms/scoring_default.toml.
    scoring_config: Path | None = None
    # The interview language, for speech recognition: "en" works out of the box (pocketsphinx); others need
    # a Kaldi model folder for vosk. Without one the transcript is off and every other measure still works.
    language: str = "en"
    vosk_models: tuple[tuple[str, str], ...] = ()  # (language, model folder)
    transcript: bool = True
    vad_engine: str = "silero"
    analysis_threads: int = field(default_factory=lambda: os.cpu_count() or 2)
    # One-way interviews: every template countdown is multiplied by this (tests shrink them; 1.0 in production).
    script_time_scale: float = 1.0
    # Several nodes: a Redis URL switches the store and the live bus to Redis (see README "Several nodes on Redis").
    redis_url: str | None = None
    node_id: str = field(default_factory=socket.gethostname)
    # Where other nodes and new candidates reach this node (redirected links, proxied signaling).
    public_url: str | None = None
    # Webhook retries: exponential from base to max (with jitter), failed after max attempts (~19 h by default).
    webhook_retry_base_s: float = 5.0
    webhook_retry_max_s: float = 3600.0
    webhook_max_attempts: int = 20
    webhook_concurrency: int = 4
    # Child processes that run speech recognition (its decoder holds the GIL, so it must not share ours).
    asr_processes: int = field(default_factory=lambda: os.cpu_count() or 2)
    # Server-side recording of each candidate (data/recordings/<room_id>/); VP8 at this height and frame rate.
    recording: bool = True
    recording_height: int = 360
    recording_fps: float = 10.0
    # Pages' language when neither ?lang=, the lang cookie nor the browser says (docs/languages.md): zh-CN or en.
    default_language: str = "en"
    # Where the report's dates and times are shown (an IANA zone, e.g. Asia/Shanghai).
    time_zone: str = "UTC"
    # Shown to candidates beside the consent: where to ask to see, correct or delete their data (PIPL).
    rights_contact: str = ""

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
        parser.add_argument(
            "--look-away-s", type=float, default=defaults.look_away_s, help="flag eye contact lost for this long"
        )
        parser.add_argument("--language", default=os.environ.get("INTERVIEW_LANGUAGE", defaults.language))
        parser.add_argument(
            "--default-language",
            type=_page_language,
            default=os.environ.get("INTERVIEW_DEFAULT_LANGUAGE", defaults.default_language),
            help="pages' language when the viewer's browser does not say: zh-CN or en",
        )
        parser.add_argument(
            "--time-zone",
            type=_time_zone,
            default=os.environ.get("INTERVIEW_TIME_ZONE", defaults.time_zone),
            help="time zone of the report's dates and times, e.g. Asia/Shanghai",
        )
        parser.add_argument(
            "--rights-contact",
            default=os.environ.get("INTERVIEW_RIGHTS_CONTACT", defaults.rights_contact),
            help="contact shown to candidates for data-rights requests (e-mail, phone or address)",
        )
        parser.add_argument(
            "--vosk-model",
            action="append",
            type=_language_folder,
            default=[],
            metavar="LANG=DIR",
            help="a Kaldi model folder for vosk speech recognition in language LANG (repeatable)",
        )
        parser.add_argument("--no-transcript", action="store_true", help="turn speech recognition off")
        parser.add_argument(
            "--asr-processes", type=int, default=defaults.asr_processes, help="child processes for speech recognition"
        )
        parser.add_argument("--vad", choices=("silero", "webrtc"), default=defaults.vad_engine)
        parser.add_argument(
            "--no-recording",
            action="store_true",
            default=os.environ.get("INTERVIEW_RECORDING", "1").strip().lower() in ("0", "false", "no", "off"),
            help="do not record the candidates' audio and video (also INTERVIEW_RECORDING=0)",
        )
        parser.add_argument(
            "--recording-height", type=_recording_height, default=defaults.recording_height, metavar="PIXELS"
        )
        parser.add_argument("--recording-fps", type=_recording_fps, default=defaults.recording_fps, metavar="FPS")
        parser.add_argument(
            "--script-time-scale",
            type=_positive_float,
            default=defaults.script_time_scale,
            metavar="FACTOR",
            help="multiply one-way interview countdowns by this (e.g. 0.05 in tests)",
        )
        parser.add_argument("--webhook-retry-base", type=float, default=defaults.webhook_retry_base_s, metavar="S")
        parser.add_argument("--webhook-retry-max", type=float, default=defaults.webhook_retry_max_s, metavar="S")
        parser.add_argument("--webhook-max-attempts", type=int, default=defaults.webhook_max_attempts)
        parser.add_argument("--organisation", default=os.environ.get("INTERVIEW_ORGANISATION", defaults.organisation))
        parser.add_argument(
            "--redis",
            default=os.environ.get("INTERVIEW_REDIS_URL") or None,
            metavar="URL",
            help="share rooms and live observations with other nodes through this Redis, e.g. redis://127.0.0.1:6379/0",
        )
        parser.add_argument("--node-id", default=os.environ.get("INTERVIEW_NODE_ID") or None)
        parser.add_argument(
            "--public-url",
            default=os.environ.get("INTERVIEW_PUBLIC_URL") or None,
            help="this node's URL as other nodes and candidates reach it (default http://HOST:PORT)",
        )
        parser.add_argument(
            "--scoring-config",
            type=Path,
            default=os.environ.get("INTERVIEW_SCORING_CONFIG") or None,
            metavar="PATH",
            help="TOML file with the report's scoring dimensions and weights (default: rooms/scoring_default.toml)",
        )
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
            default_language=_page_language(args.default_language),
            time_zone=_time_zone(args.time_zone),
            rights_contact=args.rights_contact,
            redis_url=args.redis,
            node_id=args.node_id or f"{socket.gethostname()}-{args.port}",
            public_url=(args.public_url or f"http://{args.host}:{args.port}").rstrip("/"),
            emotion_inference=args.emotion_inference,
            look_away_s=args.look_away_s,
            scoring_config=args.scoring_config,
            language=args.language,
            vosk_models=tuple(args.vosk_model),
            transcript=not args.no_transcript,
            asr_processes=max(1, args.asr_processes),
            recording=not args.no_recording,
            recording_height=args.recording_height,
            recording_fps=args.recording_fps,
            vad_engine=args.vad,
            script_time_scale=args.script_time_scale,
            webhook_retry_base_s=args.webhook_retry_base,
            webhook_retry_max_s=args.webhook_retry_max,
            webhook_max_attempts=args.webhook_max_attempts,
        )


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 < value <= 100.0:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 100: {text!r}")
    return value


def _recording_height(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 64 <= value <= 1080:
        raise argparse.ArgumentTypeError(f"must be between 64 and 1080 pixels: {text!r}")
    return value


def _recording_fps(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 1.0 <= value <= 30.0:
        raise argparse.ArgumentTypeError(f"must be between 1 and 30: {text!r}")
    return value


def _page_language(text: str) -> str:
    if text.replace("_", "-").lower() not in ("zh-cn", "zh", "en"):
        raise argparse.ArgumentTypeError(f"must be zh-CN or en: {text!r}")
    return "en" if text.lower() == "en" else "zh-CN"


def _time_zone(text: str) -> str:
    try:
        zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(f"not a known time zone: {text!r}") from None
    return text


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
