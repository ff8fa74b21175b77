"""One settings object, passed in: no hidden globals. Each setting is declared once, as a field of `Settings`.

A field's metadata (`setting(...)`) is the only place a setting is written: the command-line flag, the environment
variable, the key in the TOML configuration file and the operator's documentation are all derived from it.
Precedence, lowest first: the field's default, the `--config` file, the environment, the command line.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import secrets
import socket
import ssl
import tomllib
import zoneinfo
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from realtime.turn import read_secret, validate_turn_url
from rooms.integrity import SIGNAL_NAMES, parse_signal
from rooms.model import parse_language

ENV_PREFIX = "INTERVIEW_"
ADMIN_TOKEN_ENV = "INTERVIEW_ADMIN_TOKEN"


class SettingError(ValueError):
    """A setting's value is invalid; `key` names it as the configuration file does."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key


Parse = Callable[[str], Any]


@dataclass(frozen=True, slots=True)
class SettingSpec:
    """How one setting is given: its flag (`--foo-bar`), environment variable and config key derive from `name`."""

    field_name: str
    name: str  # the long flag without dashes, "-" as "_": the config file key
    help: str
    parse: Parse
    default: Any
    repeatable: bool = False  # a list: the flag may be repeated, the config key takes an array
    is_bool: bool = False
    env: str | None = ""  # "" = ENV_PREFIX + NAME; None = no environment variable
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    secret: bool = False  # never from the command line or the config file (they end up in `ps` and backups)
    aliases: tuple[str, ...] = ()  # older flag spellings still accepted

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def env_var(self) -> str | None:
        if self.env is None:
            return None
        return self.env or ENV_PREFIX + self.name.upper()


def setting(
    default: Any = MISSING,
    help: str = "",
    *,
    default_factory: Callable[[], Any] | None = None,
    name: str | None = None,
    parse: Parse | None = None,
    repeatable: bool = False,
    env: str | None = "",
    metavar: str | None = None,
    choices: tuple[str, ...] | None = None,
    secret: bool = False,
    aliases: tuple[str, ...] = (),
) -> Any:
    """Declare a setting: a dataclass field carrying how it is given and what it means."""
    meta = {
        "setting": {
            "name": name,
            "help": help,
            "parse": parse,
            "repeatable": repeatable,
            "env": env,
            "metavar": metavar,
            "choices": choices,
            "secret": secret,
            "aliases": aliases,
        }
    }
    if default_factory is not None:
        return field(default_factory=default_factory, metadata=meta)
    return field(default=default, metadata=meta)


# --- parsers: each takes the text of a flag, an environment variable or a config value, or raises ValueError ---


def bounded(kind: type[int] | type[float], low: float, high: float, unit: str = "") -> Parse:
    """A number within [low, high]: the one range check every numeric setting uses."""

    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except (TypeError, ValueError):
            raise ValueError(f"not {'a whole number' if kind is int else 'a number'}: {text!r}") from None
        if not low <= value <= high:
            suffix = f" {unit}" if unit else ""
            raise ValueError(f"must be between {low:g} and {high:g}{suffix}: {text!r}")
        return value

    parse.__name__ = f"{kind.__name__}_between_{low:g}_and_{high:g}"
    return parse


def _text(text: str) -> str:
    return str(text)


def _optional_text(text: str) -> str | None:
    return str(text).strip() or None


def _path(text: str) -> Path:
    return Path(str(text))


def _optional_path(text: str) -> Path | None:
    return Path(str(text)) if str(text).strip() else None


def _ip_address(text: str) -> str:
    try:
        return str(ipaddress.ip_address(str(text).strip()))
    except ValueError:
        raise ValueError(f"not an IP address: {text!r}") from None


def _ip_network(text: str) -> str:
    try:
        return str(ipaddress.ip_network(str(text).strip(), strict=False))
    except ValueError:
        raise ValueError(f"not an IP address or network: {text!r}") from None


def _ice_server_url(text: str) -> str:
    url = str(text).strip()
    scheme = url.partition(":")[0]
    if scheme not in ("stun", "stuns", "turn", "turns"):
        raise ValueError(f"not a STUN or TURN URL: {text!r}")
    if "@" in url:
        # Every candidate's page would carry it: a static TURN password is anyone's relay.
        raise ValueError("no credentials in an ICE server URL: use --turn-url with --turn-secret-file (per-session)")
    return url


def _turn_url(text: str) -> str:
    return validate_turn_url(str(text).strip())


def _language_folder(text: str) -> tuple[str, str]:
    language, sep, folder = str(text).partition("=")
    if not sep or not language or not folder:
        raise ValueError(f"expected LANG=DIR, got {text!r}")
    return language.strip(), folder.strip()


def _page_language(text: str) -> str:
    value = str(text).strip().replace("_", "-").lower()
    if value not in ("zh-cn", "zh", "en"):
        raise ValueError(f"expected zh-CN or en, got {text!r}")
    return "en" if value == "en" else "zh-CN"


def _time_zone(text: str) -> str:
    try:
        zoneinfo.ZoneInfo(str(text).strip())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"not a known time zone: {text!r}") from None
    return str(text).strip()


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


def _bool(text: str) -> bool:
    value = str(text).strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"expected true or false, got {text!r}")


def _cpu_count() -> int:
    return os.cpu_count() or 2


def _media_workers() -> int:
    # One per core: bench/load.py measured the shipped defaults so. One core gains nothing from a second process.
    cores = _cpu_count()
    return cores if cores > 1 else 0


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = setting("127.0.0.1", "address to listen on")
    port: int = setting(8080, "port to listen on", parse=bounded(int, 1, 65535))
    data_dir: Path = setting(Path("data"), "folder for the database, recordings and keys", parse=_path)
    ice_hosts: tuple[str, ...] = setting(
        (),
        "restrict ICE host candidates to this address (loopback allowed); default: every non-loopback interface",
        name="ice_host",
        parse=_ip_address,
        repeatable=True,
        metavar="ADDR",
    )
    # Empty by default: no traffic to public STUN servers.
    ice_servers: tuple[str, ...] = setting(
        (),
        "a STUN URL handed to aiortc and the browsers, e.g. stun:stun.example.org:3478 (TURN: --turn-url)",
        name="ice_server",
        parse=_ice_server_url,
        repeatable=True,
        metavar="URL",
    )
    admin_token: str | None = setting(
        None, "the admin token for integrations (environment only)", env=ADMIN_TOKEN_ENV, secret=True
    )
    # Three days: enough to schedule an interview, short enough that a forgotten link dies (was seven).
    token_ttl_s: int = setting(
        3 * 24 * 3600, "lifetime of the room links' tokens, in seconds", parse=bounded(int, 60, 366 * 24 * 3600)
    )
    report_link_ttl_s: int = setting(
        3 * 24 * 3600,
        "lifetime of the read-only report and replay links, in seconds",
        parse=bounded(int, 60, 366 * 24 * 3600),
    )
    auth_failures_per_minute: int = setting(
        10,
        "failed authentications one address may make in a minute before it waits a minute (429)",
        parse=bounded(int, 1, 1_000_000),
    )
    metrics_token: str | None = setting(
        None,
        "bearer token for GET /metrics (environment only); without it /metrics needs the admin token",
        secret=True,
    )
    webhook_allowed_networks: tuple[str, ...] = setting(
        (),
        "a network webhooks may reach although it is not public, e.g. 10.0.0.0/8 or 127.0.0.1/32",
        name="webhook_allowed_network",
        parse=_ip_network,
        repeatable=True,
        metavar="CIDR",
    )
    # Wraps the per-interview data keys and (with --redis) the signing key: docs/security.md.
    master_key: str | None = setting(
        None, "the master key, base64url of 32 bytes (environment only; every node the same)", secret=True
    )
    master_key_file: Path | None = setting(
        None, "file holding the master key (default DATA_DIR/master_key, created 0600)", parse=_optional_path
    )
    analysis_fps: float = setting(10.0, "video frames analyzed per second", parse=bounded(float, 1, 30))
    # bench/load.py measures what a machine carries (see README).
    max_interviews: int = setting(
        3,
        "live interviews this node admits (bench/load.py: 3 meet every target on 2 cores)",
        parse=bounded(int, 1, 1000),
    )
    max_body_bytes: int = setting(
        256 * 1024, "largest request body accepted, in bytes", parse=bounded(int, 1024, 64 * 1024 * 1024)
    )
    retention_days: int = setting(90, "days an ended interview's data is kept", parse=bounded(int, 1, 3650))
    organisation: str = setting("Your organisation", "the organisation's name, shown to candidates")
    # Some jurisdictions ban emotion recognition at work; descriptive measures are unaffected.
    emotion_inference: bool = setting(
        False, "enable the expression classifier (off by default; banned at work in some jurisdictions)"
    )
    look_away_s: float = setting(3.0, "flag eye contact lost for this long, in seconds", parse=bounded(float, 0.5, 60))
    scoring_config: Path | None = setting(
        None,
        "TOML file with the report's scoring dimensions and weights (default: rooms/scoring_default.toml)",
        parse=_optional_path,
        metavar="PATH",
    )
    # A room created without a language takes this one; without a speech model for it, the transcript is off and
    # every other measure still works.
    language: str = setting(
        "auto", "default interview language: zh, en, auto (detected) or another code", parse=parse_language
    )
    vosk_models: tuple[tuple[str, str], ...] = setting(
        (),
        "a Kaldi model folder for vosk speech recognition in language LANG",
        name="vosk_model",
        parse=_language_folder,
        repeatable=True,
        metavar="LANG=DIR",
    )
    transcript: bool = setting(True, "speech recognition (--no-transcript turns it off)")
    vad_engine: str = setting("silero", "voice activity detector", name="vad", choices=("silero", "webrtc"))
    analysis_threads: int = setting(
        default_factory=_cpu_count, help="threads for video and audio analysis", parse=bounded(int, 1, 64)
    )
    # One-way interviews: tests shrink the countdowns; 1.0 in production.
    script_time_scale: float = setting(
        1.0,
        "multiply one-way interview countdowns by this (e.g. 0.05 in tests)",
        parse=bounded(float, 0.001, 100),
        metavar="FACTOR",
    )
    redis_url: str | None = setting(
        None,
        "share rooms and live observations with other nodes through this Redis, e.g. redis://127.0.0.1:6379/0",
        name="redis",
        parse=_optional_text,
        metavar="URL",
        env="INTERVIEW_REDIS_URL",
    )
    node_id: str = setting(
        default_factory=socket.gethostname, help="this node's name among several (default HOSTNAME-PORT)"
    )
    public_url: str | None = setting(
        None,
        "this node's URL as other nodes and candidates reach it (default http://HOST:PORT)",
        parse=_optional_text,
        metavar="URL",
    )
    # Exponential from base to max (with jitter), failed after max attempts (~19 h by default).
    webhook_retry_base_s: float = setting(
        5.0, "first webhook retry delay, in seconds", name="webhook_retry_base", parse=bounded(float, 0.01, 86400)
    )
    webhook_retry_max_s: float = setting(
        3600.0, "longest webhook retry delay, in seconds", name="webhook_retry_max", parse=bounded(float, 0.01, 86400)
    )
    webhook_max_attempts: int = setting(20, "webhook delivery attempts before giving up", parse=bounded(int, 1, 100))
    webhook_concurrency: int = setting(4, "webhook deliveries in flight at once", parse=bounded(int, 1, 64))
    # Speech recognition (Whisper base, one core per decode) must not share the server's process. Each child holds
    # its own copy of the model (~340 MB resident): one per core uses every core for decoding without memory to spare
    # for more, which would only queue behind the same cores.
    media_workers: int = setting(
        default_factory=_media_workers,
        help="worker processes carrying the interviews' WebRTC media, analysis and recording, one per core by "
        "default (0: all in the server's own process)",
        parse=bounded(int, 0, 64),
    )
    asr_processes: int = setting(
        default_factory=_cpu_count, help="child processes for speech recognition", parse=bounded(int, 1, 64)
    )
    # At the end, the report waits this long for speech recognition to decode the speech it still holds; what is
    # decoded later goes into a rebuilt report (report.ready again). 3 s: the last utterance's decode (1-2 s of CPU)
    # fits when the decoders keep up, and a report is still ready within 10 s when ten interviews end together
    # (their reports are built one after another, 0.05-0.6 s each for 2.5-30 minutes of interview).
    report_transcript_wait_s: float = setting(
        3.0,
        "at the end, seconds the report waits for the transcript's last speech (the rest updates the report)",
        name="report_transcript_wait",
        parse=bounded(float, 0, 600),
    )
    recording: bool = setting(True, "record the candidates' audio and video (--no-recording turns it off)")
    recording_height: int = setting(
        360, "height of the recorded video", parse=bounded(int, 64, 1080, "pixels"), metavar="PIXELS"
    )
    recording_fps: float = setting(10.0, "frame rate of the recorded video", parse=bounded(float, 1, 30), metavar="FPS")
    # The HR workspace (docs/workspace.md): people's sign-in sessions and the candidates' invitation links.
    session_hours: float = setting(
        12.0, "a signed-in person's session lasts this long, in hours", parse=bounded(float, 0.1, 24 * 30)
    )
    invitation_days: float = setting(
        14.0, "a candidate's invitation link expires after this many days", parse=bounded(float, 0.01, 365)
    )
    reset_link_hours: float = setting(
        24.0, "an admin-issued password-reset link works once, within this many hours", parse=bounded(float, 0.1, 720)
    )
    # The pages' language when neither ?lang=, the lang cookie nor the browser's Accept-Language says
    # (docs/languages.md); a candidate's pages follow the room's language first.
    default_language: str = setting(
        "en", "pages' language when the viewer's browser does not say: zh-CN or en", parse=_page_language
    )
    time_zone: str = setting(
        "UTC", "time zone of the dates and times in reports, e.g. Asia/Shanghai", parse=_time_zone, metavar="ZONE"
    )
    # PIPL: candidates are told where to ask to see, correct or delete their data, beside the consent.
    rights_contact: str = setting(
        "", "contact for candidates' data-rights requests (e-mail, phone or address), shown with the consent"
    )
    # Deployment (docs/deploy.md). HTTPS is usually the reverse proxy's job; these serve it directly.
    tls_cert: Path | None = setting(
        None, "serve HTTPS with this PEM certificate chain (with --tls-key)", parse=_optional_path, metavar="FILE"
    )
    tls_key: Path | None = setting(None, "the private key of --tls-cert (PEM)", parse=_optional_path, metavar="FILE")
    trusted_proxies: tuple[str, ...] = setting(
        (),
        "believe X-Forwarded-For/-Proto/-Host only from this proxy address or network, e.g. 127.0.0.1",
        name="trusted_proxy",
        parse=_ip_network,
        repeatable=True,
        metavar="ADDR[/BITS]",
    )
    # TURN with time-limited credentials minted per session (coturn's use-auth-secret): no static password
    # ever reaches a browser.
    turn_urls: tuple[str, ...] = setting(
        (),
        "a TURN server for candidates behind NAT, e.g. turn:turn.example.org:3478, ...?transport=tcp, "
        "turns:turn.example.org:5349 (needs --turn-secret-file)",
        name="turn_url",
        parse=_turn_url,
        repeatable=True,
        metavar="URL",
    )
    turn_secret_file: Path | None = setting(
        None, "file holding the secret shared with the TURN server (coturn static-auth-secret)", parse=_optional_path
    )
    turn_credential_ttl_s: int = setting(
        12 * 3600,
        "lifetime of the TURN credentials given to each session, in seconds",
        name="turn_credential_ttl",
        parse=bounded(int, 60, 7 * 24 * 3600),
    )
    log_format: str = setting("text", "log lines as text or as one JSON object each", choices=("text", "json"))
    drain_timeout_s: float = setting(
        3600.0,
        "on SIGTERM, wait this long for live interviews to end before stopping, in seconds",
        name="drain_timeout",
        parse=bounded(float, 0, 24 * 3600),
    )

    # Observations for HR review (rooms/integrity.py); each named in the consent text while on.
    integrity: bool = setting(True, "integrity signals for HR review (--no-integrity turns every one off)")
    integrity_off: tuple[str, ...] = setting(
        (),
        f"turn this integrity signal off: {', '.join(SIGNAL_NAMES)}",
        parse=parse_signal,
        repeatable=True,
        metavar="SIGNAL",
    )

    def __post_init__(self) -> None:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise SettingError("tls_key" if self.tls_key is None else "tls_cert", "give both --tls-cert and --tls-key")
        if self.turn_urls and self.turn_secret_file is None:
            raise SettingError("turn_secret_file", "--turn-url needs --turn-secret-file (the shared TURN secret)")

    @property
    def integrity_signals(self) -> tuple[str, ...]:
        """The integrity signals this deployment observes."""
        return tuple(n for n in SIGNAL_NAMES if self.integrity and n not in self.integrity_off)

    @classmethod
    def specs(cls) -> Iterator[SettingSpec]:
        """Every setting's declaration, in field order: what flags, environment, config and docs derive from."""
        defaults = cls()
        for f in fields(cls):
            meta = f.metadata["setting"]
            default = getattr(defaults, f.name)
            is_bool = isinstance(default, bool)
            parse = meta["parse"] or (_bool if is_bool else _text)
            yield SettingSpec(
                field_name=f.name,
                name=meta["name"] or f.name,
                help=meta["help"],
                parse=parse,
                default=default,
                repeatable=meta["repeatable"],
                is_bool=is_bool,
                env=meta["env"],
                metavar=meta["metavar"],
                choices=meta["choices"],
                secret=meta["secret"],
                aliases=meta["aliases"],
            )

    @classmethod
    def from_args(cls, argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from the command line, the environment and the `--config` file; exits with usage on errors."""
        parser = build_parser()
        args = parser.parse_args(argv)
        try:
            return cls.load(args.config, environ if environ is not None else os.environ, _given_flags(args))
        except SettingError as exc:
            parser.error(str(exc))
            raise  # unreachable: parser.error exits

    @classmethod
    def load(
        cls,
        config: Path | None = None,
        environ: Mapping[str, str] | None = None,
        flags: Mapping[str, Any] | None = None,
    ) -> Settings:
        """Defaults, then the config file, then the environment, then already-parsed flags (by field name)."""
        values: dict[str, Any] = {}
        if config is not None:
            values.update(read_config_file(config))
        values.update(_from_environment(environ or {}))
        values.update(flags or {})
        return replace(cls(), **values)._with_derived_defaults(values)

    def _with_derived_defaults(self, given: Mapping[str, Any]) -> Settings:
        """Defaults that depend on other settings: the node's name and its public URL follow host and port."""
        derived: dict[str, Any] = {"public_url": (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")}
        if "node_id" not in given:
            derived["node_id"] = f"{socket.gethostname()}-{self.port}"
        return replace(self, **derived)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Real-time AI video interview server", argument_default=argparse.SUPPRESS
    )
    parser.add_argument(
        "--config", type=Path, default=None, metavar="FILE.toml", help="read settings from this TOML file"
    )
    for spec in Settings.specs():
        if spec.secret:
            continue
        flags = [spec.flag, *spec.aliases]
        shown_default = "" if spec.default in (None, (), "") else f"; default {spec.default}"
        help_text = spec.help + f" (env {spec.env_var}{shown_default})"
        if spec.is_bool:
            parser.add_argument(*flags, dest=spec.field_name, action=argparse.BooleanOptionalAction, help=help_text)
        else:
            parser.add_argument(
                *flags,
                dest=spec.field_name,
                type=_argparse_type(spec),
                action="append" if spec.repeatable else "store",
                metavar=spec.metavar or spec.name.upper(),
                choices=spec.choices,
                help=help_text + (" (repeatable)" if spec.repeatable else ""),
            )
    return parser


def _argparse_type(spec: SettingSpec) -> Parse:
    def parse(text: str) -> Any:
        try:
            return spec.parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = spec.name  # argparse names the type in its message
    return parse


def _given_flags(args: argparse.Namespace) -> dict[str, Any]:
    given = {k: v for k, v in vars(args).items() if k != "config"}
    return {k: tuple(v) if isinstance(v, list) else v for k, v in given.items()}


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for spec in Settings.specs():
        var = spec.env_var
        if var is None or var not in environ:
            continue
        text = environ[var]
        if spec.secret:
            values[spec.field_name] = text or None
        elif spec.repeatable:
            items = [item for item in text.split(",") if item.strip()]
            values[spec.field_name] = tuple(_parse(spec, var, item) for item in items)
        else:
            values[spec.field_name] = _parse(spec, var, text)
    return values


def read_config_file(path: Path) -> dict[str, Any]:
    """The settings a TOML file gives, by field name; SettingError names the first bad or unknown key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingError(str(path), f"cannot read the configuration file: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingError(str(path), f"not valid TOML: {exc}") from None
    by_name = {spec.name: spec for spec in Settings.specs()}
    values: dict[str, Any] = {}
    for key, raw in data.items():
        spec = by_name.get(key)
        if spec is None:
            raise SettingError(key, "unknown setting")
        if spec.secret:
            raise SettingError(key, f"a secret is read from the environment ({spec.env_var}), not the file")
        if spec.repeatable:
            if not isinstance(raw, list):
                raise SettingError(key, "expected an array")
            values[spec.field_name] = tuple(_parse(spec, key, _scalar_text(spec, key, item)) for item in raw)
        else:
            values[spec.field_name] = _parse(spec, key, _scalar_text(spec, key, raw))
    return values


def _scalar_text(spec: SettingSpec, key: str, raw: Any) -> str:
    if isinstance(raw, bool):
        if not spec.is_bool:
            raise SettingError(key, f"expected {'a list item' if spec.repeatable else 'a value'}, not true/false")
        return "true" if raw else "false"
    if isinstance(raw, str | int | float):
        if spec.is_bool:
            raise SettingError(key, "expected true or false")
        return str(raw)
    raise SettingError(key, f"unexpected value {raw!r}")


def _parse(spec: SettingSpec, key: str, text: str) -> Any:
    if spec.choices is not None and text not in spec.choices:
        raise SettingError(key, f"expected one of {', '.join(spec.choices)}, got {text!r}")
    try:
        return spec.parse(text)
    except ValueError as exc:
        raise SettingError(key, str(exc)) from None


def check_deployment_files(settings: Settings) -> None:
    """The files deployment settings name can be read: the TLS pair loads, the TURN secret is there."""
    if settings.tls_cert is not None and settings.tls_key is not None:
        try:
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(settings.tls_cert, settings.tls_key)
        except (OSError, ssl.SSLError) as exc:
            raise SettingError("tls_cert", f"cannot load {settings.tls_cert} with {settings.tls_key}: {exc}") from None
    if settings.turn_secret_file is not None:
        try:
            read_secret(settings.turn_secret_file)
        except (OSError, ValueError) as exc:
            raise SettingError("turn_secret_file", str(exc)) from None


def check_config(argv: Sequence[str]) -> int:
    """`run.py check-config --config FILE [flags]`: 0 when every setting is valid, else 2 naming the bad key."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.config is None:
        parser.error("check-config needs --config FILE")
    try:
        check_deployment_files(Settings.load(args.config, os.environ, _given_flags(args)))
    except SettingError as exc:
        print(f"invalid configuration: {exc}", flush=True)
        return 2
    print(f"{args.config}: valid", flush=True)
    return 0


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
