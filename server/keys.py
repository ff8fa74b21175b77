"""Typed keys for what the application holds: state lives on the app, never in module globals.

The types are imported for the type checker only, so that any module may import its keys without importing (and
cycling through) the services they name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    import aiohttp

    from realtime.engine import AnalysisEngine
    from realtime.ice import IceServers
    from realtime.loop_monitor import NodeMonitor
    from realtime.media_host import MediaHost
    from realtime.recording import Recordings
    from rooms.account_store import SqliteAccountStore
    from rooms.audit import AuditLog
    from rooms.bus import LocalBus
    from rooms.hiring_store import SqliteHiringStore
    from rooms.keyring import Keyring
    from rooms.nodes import NodeRegistry
    from rooms.outbox import WebhookOutbox
    from rooms.store import RoomStore
    from rooms.template_store import TemplateStore
    from server.auth import TokenIssuer
    from server.interviews import Interviews
    from server.metrics import NodeMetrics
    from server.one_way import OneWayScripts
    from server.rate_limits import OfferLimits
    from server.recording_vault import RecordingVault
    from server.report_pdf_cache import ReportPdfs
    from server.settings import Settings
    from server.signaling_hub import SignalingHub
    from server.webhook_targets import TargetPolicy

SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
TOKENS: web.AppKey[TokenIssuer] = web.AppKey("tokens")
STORE: web.AppKey[RoomStore] = web.AppKey("store")
BUS: web.AppKey[LocalBus] = web.AppKey("bus")
ENGINE: web.AppKey[AnalysisEngine] = web.AppKey("engine")  # in-process media only (--media-workers 0)
# Where the interviews' media runs: this process or the media workers; on the app once their models are warm.
MEDIA: web.AppKey[MediaHost] = web.AppKey("media")
INTERVIEWS: web.AppKey[Interviews] = web.AppKey("interviews")
MONITOR: web.AppKey[NodeMonitor] = web.AppKey("monitor")
METRICS: web.AppKey[NodeMetrics] = web.AppKey("metrics")
SIGNALING: web.AppKey[SignalingHub] = web.AppKey("signaling")
OUTBOX: web.AppKey[WebhookOutbox] = web.AppKey("outbox")
# Cluster mode only (--redis): the node registry, and the HTTP client that proxies to other nodes.
NODES: web.AppKey[NodeRegistry] = web.AppKey("nodes")
PEER_HTTP: web.AppKey[aiohttp.ClientSession] = web.AppKey("peer_http")
# Question templates and the one-way interviews' scripts.
TEMPLATES: web.AppKey[TemplateStore] = web.AppKey("templates")
ONE_WAY: web.AppKey[OneWayScripts] = web.AppKey("one_way")
# The candidates' recorded audio and video (data/recordings/<room_id>/).
RECORDINGS: web.AppKey[Recordings] = web.AppKey("recordings")
# Offers and viewer connections per room and per token (server/rate_limits.py).
OFFER_LIMITS: web.AppKey[OfferLimits] = web.AppKey("offer_limits")
# Rendered report PDFs (one render at a time, cached per report version).
REPORT_PDFS: web.AppKey[ReportPdfs] = web.AppKey("report_pdfs")
# The HR workspace: people, branches, sessions and API keys; positions, candidates and their interviews.
ACCOUNTS: web.AppKey[SqliteAccountStore] = web.AppKey("accounts")
HIRING: web.AppKey[SqliteHiringStore] = web.AppKey("hiring")
# STUN/TURN servers for every peer of a session, with TURN credentials minted per session.
ICE: web.AppKey[IceServers] = web.AppKey("ice")
# Where webhooks may be sent (public addresses, plus the networks the operator allows).
WEBHOOK_TARGETS: web.AppKey[TargetPolicy] = web.AppKey("webhook_targets")
# The audit log and deletion receipts (rooms/audit.py): SQLite in the data directory, or Redis.
AUDIT: web.AppKey[AuditLog] = web.AppKey("audit")
# Per-interview data keys wrapped by the master key (rooms/keyring.py), and the recordings sealed with them.
KEYRING: web.AppKey[Keyring] = web.AppKey("keyring")
MASTER_KEY: web.AppKey[bytes] = web.AppKey("master_key")
VAULT: web.AppKey[RecordingVault] = web.AppKey("vault")
