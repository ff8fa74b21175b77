"""Typed keys for what the application holds: state lives on the app, never in module globals."""

from __future__ import annotations

from aiohttp import web

from realtime.engine import AnalysisEngine
from rooms.bus import LocalBus
from rooms.store import RoomStore
from server.auth import TokenIssuer
from server.interviews import Interviews
from server.metrics import NodeMetrics
from server.node_health import NodeMonitor
from server.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
TOKENS = web.AppKey("tokens", TokenIssuer)
STORE = web.AppKey("store", RoomStore)
BUS = web.AppKey("bus", LocalBus)
ENGINE = web.AppKey("engine", AnalysisEngine)
INTERVIEWS = web.AppKey("interviews", Interviews)
MONITOR = web.AppKey("monitor", NodeMonitor)
METRICS = web.AppKey("metrics", NodeMetrics)
