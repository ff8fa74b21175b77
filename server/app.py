"""The application factory: settings in, a ready aiohttp application out."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from analyzers.base import Analyzer
from realtime.analyzer_process import ProcessAnalyzer
from realtime.engine import AnalysisEngine
from realtime.ice import IceServers, restricted_host_addresses
from realtime.lanes import DEFERRED
from realtime.loop_monitor import NodeMonitor
from realtime.media_host import LocalMedia, MediaHost
from realtime.media_worker import WorkerSpec
from realtime.media_workers import MediaWorkers
from realtime.pipeline import PipelineConfig
from realtime.recording import Recordings
from realtime.recording_segments import RecordingConfig
from realtime.turn import TurnCredentials, read_secret
from rooms.audit import SqliteAuditLog
from rooms.bus import LocalBus
from rooms.integrity import SECOND_SPEAKER
from rooms.keyring import Keyring, SqliteWrappedKeys
from rooms.nodes import shared_signing_key
from rooms.scoring import load_scoring_config
from rooms.store import SqliteRoomStore
from server import (
    accounts_api,
    api,
    audit,
    cluster,
    compare_api,
    consent_api,
    hiring_api,
    integrity_api,
    invitation_api,
    live,
    metrics,
    notes_api,
    openapi,
    pages,
    privacy_api,
    questions_api,
    readiness,
    recording_api,
    replay_pages,
    report_api,
    retention,
    signaling,
    signin_pages,
    templates_api,
    transcript_api,
    webhooks,
    webhooks_api,
    webhooks_page,
    workspace_pages,
)
from server.auth import TokenIssuer
from server.auth_throttle import THROTTLE, AuthThrottle, auth_throttle
from server.deletion import PURGED
from server.errors import error_middleware
from server.forwarded import forwarded_middleware, parse_networks
from server.i18n import CATALOGS, DEFAULT_LANGUAGE, install_gettext, load_catalogs, locale_middleware
from server.interviews import Admission, Interviews
from server.keys import (
    AUDIT,
    BUS,
    ENGINE,
    ICE,
    INTERVIEWS,
    KEYRING,
    MASTER_KEY,
    MEDIA,
    METRICS,
    MONITOR,
    OFFER_LIMITS,
    OUTBOX,
    RECORDINGS,
    REPORT_PDFS,
    SETTINGS,
    STORE,
    TEMPLATES,
    TOKENS,
    VAULT,
)
from server.link_revocation import revoked_links
from server.logs import configure_logging, request_id_middleware
from server.master_key import MasterKeyError, load_master_key, prepare_data_dir
from server.metrics import NodeMetrics
from server.node_health import publish_node_health
from server.rate_limits import OfferLimits
from server.recording_vault import RecordingVault
from server.report_pdf_cache import ReportPdfs
from server.room_access import room_access
from server.sealed_store import SealedStore
from server.security_headers import security_headers
from server.sessions import workspace_identity
from server.settings import Settings, load_or_create_secret
from server.workspace_events import workspace_events_context

log = logging.getLogger(__name__)
WEB_DIR = Path(__file__).resolve().parent.parent / "web"

EngineFactory = Callable[[Settings], AnalysisEngine]
# A guessable admin token opens every interview: refuse short ones (the generated one has 43 characters).
MIN_ADMIN_TOKEN_LENGTH = 32


def default_engine(settings: Settings) -> AnalysisEngine:
    # Imported here: loading the model runtimes takes seconds and is only wanted by a serving process.
    from analyzers.face import FaceAnalyzer, FaceAnalyzerConfig
    from analyzers.transcript import TranscriptAnalyzer, TranscriptConfig
    from analyzers.voice import VoiceAnalyzer, VoiceAnalyzerConfig

    analyzers: list[Analyzer[Any]] = [
        FaceAnalyzer(
            FaceAnalyzerConfig(emotion_inference=settings.emotion_inference, look_away_after_s=settings.look_away_s)
        ),
        VoiceAnalyzer(VoiceAnalyzerConfig(vad_engine=settings.vad_engine)),
    ]
    if settings.transcript:
        # The Whisper model is joined from its two wheels once into a per-user temp folder shared by every server
        # on the machine, and hash-checked at each load (analyzers/whisper_model.py).
        config = TranscriptConfig(language=settings.language, vosk_model_dirs=dict(settings.vosk_models))
        # In child processes: a decode takes a core for ~1 s (see realtime/analyzer_process.py).
        transcript = partial(TranscriptAnalyzer, config)
        analyzers.append(ProcessAnalyzer(transcript, DEFERRED.name, settings.asr_processes, name="transcript"))
    if SECOND_SPEAKER in settings.integrity_signals:
        from analyzers.speaker import SpeakerAnalyzer

        analyzers.append(SpeakerAnalyzer())  # deferred lane: an embedding per 3 s of speech (docs/integrity.md)
    return AnalysisEngine(analyzers, threads=settings.analysis_threads)


def admin_token(settings: Settings) -> str:
    """The admin token: from the environment, or generated once into the data directory and announced."""
    if settings.admin_token:
        if len(settings.admin_token) < MIN_ADMIN_TOKEN_LENGTH:
            raise SystemExit(
                f"INTERVIEW_ADMIN_TOKEN is {len(settings.admin_token)} characters long; it must be at least "
                f"{MIN_ADMIN_TOKEN_LENGTH} (e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return settings.admin_token
    path = settings.data_dir / "admin_token"
    created = not path.exists()
    token = load_or_create_secret(path)
    if created:
        # On a terminal, show it; under a service manager stdout is a log that keeps it forever: name the file only.
        shown = f": {token}" if sys.stdout.isatty() else ""
        print(f"Generated admin token (saved in {path}){shown}", flush=True)
    return token


def create_app(settings: Settings, engine_factory: EngineFactory = default_engine) -> web.Application:
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        # Outermost first: a request id for every log line; the client as the trusted proxy says (so limits and
        # throttles count the real client); headers on every answer; errors as JSON; the pages' language (known
        # before a page or its error page renders); pages' readable errors; failed sign-ins counted; then who is
        # asking (a person's session or an API key) and what that means on a room (the HR workspace).
        middlewares=[
            request_id_middleware,
            forwarded_middleware(parse_networks(settings.trusted_proxies)),
            security_headers,
            error_middleware,
            locale_middleware(_default_language),
            pages.page_errors,
            auth_throttle,
            workspace_identity,
            room_access,
            revoked_links,
        ],
    )
    app[THROTTLE] = AuthThrottle(max_failures=settings.auth_failures_per_minute)
    app[OFFER_LIMITS] = OfferLimits.default()
    app[REPORT_PDFS] = ReportPdfs()
    app[PURGED] = set()
    app[SETTINGS] = settings
    app[CATALOGS] = load_catalogs()
    app[DEFAULT_LANGUAGE] = settings.default_language
    prepare_data_dir(settings.data_dir)  # 0700, and files older versions left readable by others made 0600
    try:
        app[MASTER_KEY] = master = load_master_key(settings)
    except MasterKeyError as exc:
        raise SystemExit(f"master key: {exc}") from None  # a clear message at start-up, not a traceback
    app[ICE] = _ice_servers(settings)
    app[TOKENS] = TokenIssuer(
        # Several nodes share one key through Redis, so a link issued by one node opens on every node.
        signing_key=(
            shared_signing_key(settings.redis_url, master)
            if settings.redis_url
            else load_or_create_secret(settings.data_dir / "signing_key")
        ),
        admin_token=admin_token(settings),
        ttl_s=settings.token_ttl_s,
        read_only_ttl_s=settings.report_link_ttl_s,
    )
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(WEB_DIR / "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
    )
    install_gettext(env)
    app.add_routes(api.routes)
    app.add_routes(audit.routes)  # the audit log and deletion receipts (admin)
    app.add_routes(retention.routes)  # POST /api/retention/run (it also runs hourly)
    app.add_routes(live.routes)
    app.add_routes(pages.routes)
    app.add_routes(metrics.routes)
    app.add_routes(readiness.routes)  # GET /readyz
    app.add_routes(notes_api.routes)  # notes, ratings, human decision, candidate status
    app.add_routes(questions_api.routes)  # the lead's "next question" (template or free)
    signaling.setup(app)  # the candidate <-> lead interviewer peer-to-peer call's relay
    app.add_routes(webhooks_api.routes)
    app.add_routes(privacy_api.routes)
    app.add_routes(webhooks_page.routes)
    app.add_routes(openapi.routes)
    app.add_routes(templates_api.routes)  # templates CRUD, admin page, one-way script
    app.add_routes(replay_pages.routes)  # replay page and the data it draws
    app.add_routes(transcript_api.routes)  # interviewers' corrections of transcript lines
    app.add_routes(report_api.routes)  # the report as a PDF
    app.add_routes(recording_api.routes)  # GET /api/rooms/{id}/recording
    app.add_routes(consent_api.routes)  # the candidate's separate consent to the analysis
    app.add_routes(invitation_api.routes)  # QR code and invitation text for HR
    app.add_routes(integrity_api.routes)  # the candidate page's integrity reports
    app.add_routes(signin_pages.routes)  # the HR workspace: sign-in, people, positions, candidates, board
    app.add_routes(accounts_api.routes)
    app.add_routes(hiring_api.routes)
    app.add_routes(compare_api.routes)
    app.add_routes(workspace_pages.routes)
    app.router.add_static("/static", WEB_DIR / "static")
    app.cleanup_ctx.append(_ice_context)
    app.cleanup_ctx.append(accounts_api.workspace_stores_context)
    app.cleanup_ctx.append(cluster.redis_storage_context if settings.redis_url else _store_context)
    app.cleanup_ctx.append(lambda a: _media_context(a, engine_factory))
    # After the media host (its models): loading models stalls start-up, which says nothing about load while serving.
    app.cleanup_ctx.append(_monitor_context)
    app.cleanup_ctx.append(webhooks.webhooks_context)  # before the interviews, which emit into its outbox
    app.cleanup_ctx.append(templates_api.template_store_context)  # before the interviews: reports apply its rules
    app.cleanup_ctx.append(_interviews_context)
    app.cleanup_ctx.append(templates_api.one_way_context)  # after the interviews, which its scripts drive
    app.cleanup_ctx.append(workspace_events_context)  # the board follows the interviews; reminders
    app.cleanup_ctx.append(retention.retention_context)  # deletes expired interviews (after the scripts)
    if settings.redis_url:
        cluster.setup(app)  # ownership routing middleware + heartbeats (after the interviews it reports on)
    return app


def _default_language(request: web.Request) -> str:
    return request.app[SETTINGS].default_language


def _ice_servers(settings: Settings) -> IceServers:
    """The configured STUN/TURN URLs, and TURN credentials minted per session from the shared secret file."""
    turn = None
    if settings.turn_urls and settings.turn_secret_file is not None:
        turn = TurnCredentials(
            settings.turn_urls, read_secret(settings.turn_secret_file), settings.turn_credential_ttl_s
        )
    return IceServers(settings.ice_servers, turn)


async def _ice_context(app: web.Application) -> AsyncIterator[None]:
    with restricted_host_addresses(app[SETTINGS].ice_hosts):
        yield


async def _monitor_context(app: web.Application) -> AsyncIterator[None]:
    monitor = NodeMonitor()
    monitor.others = app[MEDIA].load  # the media workers' loops and CPU are this node's too
    monitor.start()
    app[MONITOR] = monitor
    yield
    await monitor.stop()


async def _store_context(app: web.Application) -> AsyncIterator[None]:
    store = SqliteRoomStore(app[SETTINGS].data_dir / "interviews.sqlite3")
    await store.open()
    audit_log = SqliteAuditLog(app[SETTINGS].data_dir / "audit.sqlite3")
    await audit_log.open()
    wrapped_keys = SqliteWrappedKeys(app[SETTINGS].data_dir / "keys.sqlite3")
    await wrapped_keys.open()
    app[KEYRING] = Keyring(app[MASTER_KEY], wrapped_keys)
    app[STORE] = SealedStore(store, app[KEYRING])  # transcripts and reports encrypted at rest
    app[AUDIT] = audit_log
    app[BUS] = LocalBus()
    yield
    await app[KEYRING].close()
    await audit_log.close()
    await store.close()


def _pipeline_config(settings: Settings) -> PipelineConfig:
    return PipelineConfig(analysis_fps=settings.analysis_fps, deferred_close_wait_s=settings.report_transcript_wait_s)


def _recording_config(settings: Settings) -> RecordingConfig:
    return RecordingConfig(enabled=settings.recording, height=settings.recording_height, fps=settings.recording_fps)


def _worker_spec(settings: Settings, factory: EngineFactory, index: int, socket_path: Path) -> WorkerSpec:
    """A media worker's start: the engine the server would build, its speech-recognition children shared out."""
    workers = max(1, settings.media_workers)
    share = replace(settings, asr_processes=max(1, -(-settings.asr_processes // workers)))
    return WorkerSpec(
        index=index,
        socket_path=socket_path,
        engine_factory=partial(factory, share),
        pipeline_config=_pipeline_config(settings),
        recordings_root=settings.data_dir / "recordings",
        recording_config=_recording_config(settings),
        ice_hosts=settings.ice_hosts,
        parent_pid=os.getpid(),
        configure_logging=partial(configure_logging, settings.log_format),
    )


async def _media_context(app: web.Application, factory: EngineFactory) -> AsyncIterator[None]:
    """Where the interviews' media runs (realtime/media_host.py): media workers, or this process."""
    settings = app[SETTINGS]
    # The recorders write here (in whichever process); this process joins, seals and recovers the files.
    recordings = Recordings(settings.data_dir / "recordings", _recording_config(settings))
    app[RECORDINGS] = recordings
    engine: AnalysisEngine | None = None
    host: MediaHost
    if settings.media_workers > 0:
        workers = MediaWorkers(settings.media_workers, partial(_worker_spec, settings, factory))
        try:
            await workers.start()
        except BaseException:
            await workers.close()
            raise
        host = workers
    else:
        engine = factory(settings)
        await engine.start()
        app[ENGINE] = engine
        host = LocalMedia(engine, _pipeline_config(settings), recordings)
    app[MEDIA] = host
    yield
    await host.close()
    if engine is not None:
        engine.close()
    await recordings.close()  # after the sessions, whose recorders write their last segments


async def _interviews_context(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    recordings = app[RECORDINGS]
    vault = RecordingVault(recordings, app[KEYRING], app[STORE])
    recordings.on_joined = vault.seal  # an ended interview's joined recording is encrypted at rest
    app[VAULT] = vault
    interviews = Interviews(
        store=app[STORE],
        bus=app[BUS],
        media=app[MEDIA],
        rtc_config=app[ICE].rtc_configuration,
        admission=Admission(settings.max_interviews, app[MONITOR]),
        emotion_inference=settings.emotion_inference,
        default_language=settings.language,
        outbox=app[OUTBOX],
        # Read at start-up: a broken scoring file stops the server here rather than failing every report.
        scoring=load_scoring_config(settings.scoring_config),
        recordings=recordings,
        integrity_signals=settings.integrity_signals,
        report_rules=partial(templates_api.room_rules, app[TEMPLATES]),
        report_keywords=partial(templates_api.room_keywords, app[TEMPLATES]),
    )
    await interviews.recover()
    await vault.seal_leftovers()
    app[INTERVIEWS] = interviews
    app[METRICS] = NodeMetrics(interviews, app[MONITOR], settings.max_interviews)
    node_health = asyncio.create_task(publish_node_health(interviews, app[MONITOR], app[BUS]))
    yield
    node_health.cancel()
    await asyncio.gather(node_health, return_exceptions=True)
    await interviews.close()
