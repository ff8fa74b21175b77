"""Typed keys for what the application holds: state lives on the app, never in module globals."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from realtime.engine import AnalysisEngine
from realtime.ice import IceServers
from realtime.recording import Recordings
from rooms.audit import AuditLog
from rooms.bus import LocalBus
from rooms.keyring import Keyring
from rooms.nodes import NodeRegistry
from rooms.outbox import WebhookOutbox
from rooms.store import RoomStore
from rooms.template_store import TemplateStore
from server.auth import TokenIssuer
from server.interviews import Interviews
from server.metrics import NodeMetrics
from server.node_health import NodeMonitor
from server.one_way import OneWayScripts
from server.rate_limits import OfferLimits
from server.recording_vault import RecordingVault
from server.report_pdf_cache import ReportPdfs
from server.settings import Settings
from server.signaling_hub import SignalingHub
from server.webhook_targets import TargetPolicy

SETTINGS = web.AppKey("settings", Settings)
TOKENS = web.AppKey("tokens", TokenIssuer)
STORE = web.AppKey("store", RoomStore)
BUS = web.AppKey("bus", LocalBus)
ENGINE = web.AppKey("engine", AnalysisEngine)
INTERVIEWS = web.AppKey("interviews", Interviews)
MONITOR = web.AppKey("monitor", NodeMonitor)
METRICS = web.AppKey("metrics", NodeMetrics)
SIGNALING = web.AppKey("signaling", SignalingHub)
OUTBOX = web.AppKey("outbox", WebhookOutbox)
# Cluster mode only (--redis): the node registry, and the HTTP client that proxies to other nodes.
NODES = web.AppKey("nodes", NodeRegistry)
PEER_HTTP = web.AppKey("peer_http", aiohttp.ClientSession)
# Question templates and the one-way interviews' scripts.
TEMPLATES = web.AppKey("templates", TemplateStore)
ONE_WAY = web.AppKey("one_way", OneWayScripts)
# The candidates' recorded audio and video (data/recordings/<room_id>/).
RECORDINGS = web.AppKey("recordings", Recordings)
# Offers and viewer connections per room and per token (server/rate_limits.py).
OFFER_LIMITS = web.AppKey("offer_limits", OfferLimits)
# Rendered report PDFs (one render at a time, cached per report version).
REPORT_PDFS = web.AppKey("report_pdfs", ReportPdfs)
# Where webhooks may be sent (public addresses, plus the networks the operator allows).
WEBHOOK_TARGETS = web.AppKey("webhook_targets", TargetPolicy)
# The audit log and deletion receipts (rooms/audit.py): SQLite in the data directory, or Redis.
AUDIT = web.AppKey("audit", AuditLog)
# STUN/TURN servers for every peer of a session, with TURN credentials minted per session.
ICE = web.AppKey("ice", IceServers)
# Per-interview data keys wrapped by the master key (rooms/keyring.py), and the recordings sealed with them.
KEYRING = web.AppKey("keyring", Keyring)
MASTER_KEY = web.AppKey("master_key", bytes)
VAULT = web.AppKey("vault", RecordingVault)
