"""`GET /metrics`: the node's health in Prometheus text format.

Per-interview numbers are the latest health each interview's analysis reported (server/live_health.py: the
pipeline emits them every health interval, wherever it runs), read when scraped, so the media path pays nothing
for them; the one hot-path metric is the latency histogram, observed as the dashboards are sent observations.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterator

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

from realtime.lanes import LANES
from realtime.loop_monitor import NodeMonitor
from rooms.measures import (
    AUDIO_GAPS,
    FRAMES_ANALYZED,
    FRAMES_DROPPED,
    FRAMES_RECEIVED,
    FRAMES_SKIPPED,
    LANE_HEALTH,
    OBSERVATIONS,
    TRANSCRIPT_GAPS,
    VIDEO_FPS,
)
from server.interviews import Interviews
from server.keys import METRICS

routes = web.RouteTableDef()


class NodeMetrics:
    """The app's own registry (no process-global state) and the latency histogram the live sender feeds."""

    def __init__(self, interviews: Interviews, monitor: NodeMonitor, max_interviews: int) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        self.registry.register(_LiveCollector(interviews, monitor, max_interviews))
        self._delivery_latency = Histogram(
            "interview_observation_latency_seconds",
            "From a sample's arrival at the server to its measure being sent to a dashboard, by analysis lane",
            labelnames=["lane"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
            registry=self.registry,
        )
        # Every lane's series exists from the start, so a query or alert reads zeros rather than nothing.
        self._lane_latency = {lane: self._delivery_latency.labels(lane=lane) for lane in LANES}
        self.report_seconds = Histogram(
            "interview_report_seconds",
            "From an interview's end to its closing report being stored",
            buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
            registry=self.registry,
        )
        interviews.on_report_written = self.report_seconds.observe

    def observe_delivery(self, name: str, seconds: float) -> None:
        """A measure `name` reached a dashboard `seconds` after its sample arrived; counted under its lane."""
        measure = OBSERVATIONS.get(name)
        child = self._lane_latency.get(measure.lane) if measure is not None and measure.lane else None
        if child is not None:
            child.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _LiveCollector(Collector):
    def __init__(self, interviews: Interviews, monitor: NodeMonitor, max_interviews: int) -> None:
        self._interviews = interviews
        self._monitor = monitor
        self._max_interviews = max_interviews

    def collect(self) -> Iterator[Metric]:
        load = self._monitor.load()
        sessions = self._interviews.sessions
        yield GaugeMetricFamily("interview_active", "Live interviews on this node", value=len(sessions))
        yield GaugeMetricFamily("interview_capacity", "Live interviews this node admits", value=self._max_interviews)
        yield GaugeMetricFamily(
            "interview_event_loop_lag_seconds", "Worst event-loop lag over the last 5 s", value=load.loop_lag_ms / 1000
        )
        yield GaugeMetricFamily(
            "interview_node_cpu_percent", "CPU of the server and its media workers, % of one core", value=load.cpu_pct
        )

        fps = GaugeMetricFamily("interview_analyzed_fps", "Video frames analyzed per second", labels=["room"])
        latency = GaugeMetricFamily(
            "interview_lane_latency_seconds",
            "Worst time over the last health interval from a sample's arrival to its observations, per lane",
            labels=["room", "lane"],
        )
        lag = GaugeMetricFamily(
            "interview_lane_lag_seconds",
            "How far a lane's newest analyzed media trails real time",
            labels=["room", "lane"],
        )
        age = GaugeMetricFamily(
            "interview_health_age_seconds",
            "Since the interview's analysis last reported its health (every second while it runs)",
            labels=["room"],
        )
        viewers = GaugeMetricFamily("interview_viewers", "Dashboards watching the candidate's video", labels=["room"])
        counters = [
            (CounterMetricFamily(f"interview_{metric}", help_text, labels=["room"]), name)
            for metric, name, help_text in (
                ("frames_received", FRAMES_RECEIVED, "Video frames decoded"),
                ("frames_skipped", FRAMES_SKIPPED, "Video frames above the analysis rate, skipped by design"),
                ("frames_dropped", FRAMES_DROPPED, "Video frames replaced while analysis was busy"),
                ("frames_analyzed", FRAMES_ANALYZED, "Video frames analyzed"),
                ("audio_gaps", AUDIO_GAPS, "Times audio analysis fell 2 s behind and lost audio"),
                (
                    "deferred_audio_gaps",
                    TRANSCRIPT_GAPS,
                    "Times speech recognition fell a whole window behind and skipped audio",
                ),
            )
        ]
        now = time.time()
        for room_id, session in sessions.items():
            viewers.add_metric([room_id], session.viewer_count)
            health = self._interviews.health.get(room_id)
            values = health.values if health is not None else {}
            if health is not None and health.reported_at is not None:
                # The figures below are this old: more than a few seconds means the analysis stalled or is gone.
                age.add_metric([room_id], max(0.0, now - health.reported_at))
            # Until the first health report (one health interval in) nothing was analyzed or counted yet.
            fps.add_metric([room_id], values.get(VIDEO_FPS, 0.0))
            for lane, names in LANE_HEALTH.items():
                if names.latency in values:
                    latency.add_metric([room_id, lane], values[names.latency] / 1000.0)
                if names.lag in values:
                    lag.add_metric([room_id, lane], values[names.lag])
            for family, name in counters:
                family.add_metric([room_id], values.get(name, 0.0))
        yield from (fps, latency, lag, age, viewers, *(family for family, _ in counters))


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    from server.keys import SETTINGS  # keys imports this module for the type
    from server.requests import authorize_admin, bearer_or_query_token

    # Room ids are not for strangers: the scraper's own token (--metrics-token), or the admin's.
    expected = request.app[SETTINGS].metrics_token
    given = bearer_or_query_token(request)
    if not (expected and given and hmac.compare_digest(given.encode(), expected.encode())):
        authorize_admin(request)
    body = request.app[METRICS].render()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
