"""`GET /metrics`: the node's health in Prometheus text format.

Per-interview numbers are read from the live sessions when scraped, so the media path pays nothing for them;
the one hot-path metric is the latency histogram, observed as the dashboards are sent observations.
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

from server.interviews import Interviews
from server.keys import METRICS
from server.node_health import NodeMonitor

routes = web.RouteTableDef()


class NodeMetrics:
    """The app's own registry (no process-global state) and the latency histogram the live sender feeds."""

    def __init__(self, interviews: Interviews, monitor: NodeMonitor, max_interviews: int) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        self.registry.register(_LiveCollector(interviews, monitor, max_interviews))
        self.delivery_latency = Histogram(
            "interview_observation_latency_seconds",
            "From a sample's arrival at the server to its observation being sent to a dashboard",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0),
            registry=self.registry,
        )
        self.report_seconds = Histogram(
            "interview_report_seconds",
            "From an interview's end to its closing report being stored",
            buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
            registry=self.registry,
        )
        interviews.on_report_written = self.report_seconds.observe

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _LiveCollector(Collector):
    def __init__(self, interviews: Interviews, monitor: NodeMonitor, max_interviews: int) -> None:
        self._interviews = interviews
        self._monitor = monitor
        self._max_interviews = max_interviews

    def collect(self) -> Iterator[Metric]:
        now = time.time()
        load = self._monitor.load()
        sessions = self._interviews.sessions
        yield GaugeMetricFamily("interview_active", "Live interviews on this node", value=len(sessions))
        yield GaugeMetricFamily("interview_capacity", "Live interviews this node admits", value=self._max_interviews)
        yield GaugeMetricFamily(
            "interview_event_loop_lag_seconds", "Worst event-loop lag over the last 5 s", value=load.loop_lag_ms / 1000
        )
        yield GaugeMetricFamily("interview_node_cpu_percent", "Process CPU, % of one core", value=load.cpu_pct)

        fps = GaugeMetricFamily("interview_analyzed_fps", "Video frames analyzed per second", labels=["room"])
        lag = GaugeMetricFamily("interview_lag_seconds", "How far video analysis trails real time", labels=["room"])
        viewers = GaugeMetricFamily("interview_viewers", "Dashboards watching the candidate's video", labels=["room"])
        counters = {
            name: CounterMetricFamily(f"interview_{name}", help_text, labels=["room"])
            for name, help_text in (
                ("frames_received", "Video frames decoded"),
                ("frames_skipped", "Video frames above the analysis rate, skipped by design"),
                ("frames_dropped", "Video frames replaced while analysis was busy"),
                ("frames_analyzed", "Video frames analyzed"),
                ("audio_gaps", "Times audio analysis fell 2 s behind and lost audio"),
                ("deferred_audio_gaps", "Times speech recognition fell a whole window behind and skipped audio"),
            )
        }
        for room_id, session in sessions.items():
            pipeline = getattr(session, "pipeline", None)  # only in this process's sessions (not a worker's)
            if pipeline is None:
                viewers.add_metric([room_id], session.viewer_count)
                continue
            fps.add_metric([room_id], pipeline.analyzed_fps)
            current_lag = pipeline.lag_s(now)
            if current_lag is not None:
                lag.add_metric([room_id], current_lag)
            viewers.add_metric([room_id], session.viewer_count)
            for name, family in counters.items():
                family.add_metric([room_id], getattr(pipeline, name))
        yield from (fps, lag, viewers, *counters.values())


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
