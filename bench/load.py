"""Live-interview load benchmark: start the server, connect N candidate bots, measure, print.

    .venv/bin/python bench/load.py [--candidates 2 4 6 8 10] [--seconds 300] [--server-args '...']

The server runs as shipped (its own defaults: analysis rate, transcript, recording) unless --fps or --server-args
say otherwise; only --max-interviews is raised so that every level is admitted.
Each bot is an aiortc peer playing a real face clip with espeak-ng speech (tests/support/media_fixtures.py; 640x360 VP8
at 15 fps + Opus, passed through without re-encoding), in its own room, watched by an interviewer WebSocket. Per N it
prints: server CPU (% of one core, from /proc, its child processes included) against the floor, server RSS per
interview, analyzed fps per stream (min/median), frames dropped, latency per lane from arrival to dashboard send
(p50/p95/p99): video measures, voice measures, and transcript finals measured from the end of their utterance; lag
(wall-clock media position minus the newest analyzed frame's media time) with its growth over the run, the
kernel's UDP receive errors, the node's event-loop lag (p95 and max of its 2-s reports), how often speech
recognition fell its whole window behind and skipped audio, and the time until every report is ready after all N
interviews end at the same moment.
Run by hand; it is a measurement, not a test.
Traffic stays on loopback: the server and the bots offer 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from realtime.ice import restricted_host_addresses  # noqa: E402
from rooms.measures import OBSERVATIONS, VIDEO_LANE, VOICE_LANE  # noqa: E402
from rooms.model import ObservationType  # noqa: E402
from server.settings import Settings  # noqa: E402
from tests.support.bot import candidate_bot  # noqa: E402
from tests.support.media_fixtures import build_bot_clip, build_camera_clip, build_speech_clip  # noqa: E402
from tests.support.server_process import start_server, stop_server  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# The measures an interviewer watches, by the lane that computes them (from the catalogue: rooms/measures.py).
_METRIC = ObservationType.METRIC.value
VIDEO_MEASURES = frozenset(name for name, m in OBSERVATIONS.items() if m.kind == _METRIC and m.lane == VIDEO_LANE)
VOICE_MEASURES = frozenset(name for name, m in OBSERVATIONS.items() if m.kind == _METRIC and m.lane == VOICE_LANE)
LANES = ("video", "voice", "transcript")


@dataclass
class StreamStats:
    origin: float  # the room's started_at: media time t is wall-clock seconds after it
    latencies_ms: dict[str, list[float]] = field(default_factory=lambda: {lane: [] for lane in LANES})
    fps: list[float] = field(default_factory=list)
    lag: list[tuple[float, float]] = field(default_factory=list)  # (wall time, lag_s)
    loop_lag_ms: list[float] = field(default_factory=list)  # the node's worst event-loop lag, every 2 s
    transcript_gaps: float = 0.0  # times speech recognition fell its whole window behind
    dropped: float = 0.0


def process_tree(pid: int) -> list[int]:
    """The server and all its descendants (media workers, their speech-recognition children)."""
    # Children are listed under the thread that started them (the engine starts them from a worker thread).
    children: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except FileNotFoundError:  # the process ended meanwhile
        return []
    for task in tasks:
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:  # the thread ended meanwhile
            continue
    return [pid, *(p for child in children for p in process_tree(child))]


def cpu_seconds(pid: int) -> float:
    total = 0.0
    for p in process_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime
    return total


def rss_mb(pid: int) -> float:
    total = 0.0
    for p in process_tree(pid):
        try:
            lines = Path(f"/proc/{p}/status").read_text().splitlines()
        except FileNotFoundError:
            continue
        for line in lines:
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) / 1024
    return total


def udp_receive_errors() -> int:
    lines = [line.split() for line in Path("/proc/net/snmp").read_text().splitlines() if line.startswith("Udp:")]
    header, values = lines[0], lines[1]
    return int(values[header.index("RcvbufErrors")]) + int(values[header.index("InErrors")])


async def watch(http: aiohttp.ClientSession, path: str, stats: StreamStats, until: float, warmup_until: float):
    async with http.ws_connect(path) as ws:
        while time.monotonic() < until:
            try:
                message = await asyncio.wait_for(ws.receive(), timeout=max(0.1, until - time.monotonic()))
            except TimeoutError:
                break
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            received = time.time()
            o = json.loads(message.data)
            if time.monotonic() < warmup_until:
                continue
            if o["type"] == "metric" and o["name"] in VIDEO_MEASURES:
                stats.latencies_ms["video"].append(o["latency_ms"])
            elif o["type"] == "metric" and o["name"] in VOICE_MEASURES:
                stats.latencies_ms["voice"].append(o["latency_ms"])
            elif o["type"] == "transcript" and o["name"] == "final":
                # From the moment the utterance's last word ended (its media time on the room's clock).
                end = (o.get("detail") or {}).get("end", o["t"])
                stats.latencies_ms["transcript"].append((received - stats.origin - end) * 1000.0)
            elif o["type"] == "health":
                if o["name"] == "video_fps":
                    stats.fps.append(o["value"])
                elif o["name"] == "lag_s":
                    stats.lag.append((time.monotonic(), o["value"]))
                elif o["name"] == "frames_dropped":
                    stats.dropped = o["value"]
                elif o["name"] == "loop_lag_ms":
                    stats.loop_lag_ms.append(o["value"])
                elif o["name"] == "transcript_gaps":
                    stats.transcript_gaps = o["value"]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def end_all_and_time_reports(
    http: aiohttp.ClientSession, rooms: list[dict], timeout: float = 300.0
) -> tuple[float, float]:
    """End every room at the same moment; seconds until the last of their reports is ready, and until the last has
    its whole transcript (a first version may come while the last speech is still decoding, then a rebuilt one)."""
    tokens = [parse_qs(urlparse(room["interviewer_url"]).query)["token"][0] for room in rooms]
    start = time.monotonic()
    await asyncio.gather(
        *(http.post(f"/api/rooms/{room['id']}/end?token={token}") for room, token in zip(rooms, tokens, strict=True))
    )
    waiting = dict(zip((room["id"] for room in rooms), tokens, strict=True))
    ready: float = float("inf")
    readies: dict[str, float] = {}  # room -> seconds until its first version
    while waiting and time.monotonic() - start < timeout:
        for room_id, token in list(waiting.items()):
            async with http.get(f"/api/rooms/{room_id}/report?token={token}") as response:
                if response.status == 200:
                    report = await response.json()
                    if (report.get("transcript") or {}).get("completion") != "pending":
                        del waiting[room_id]
                    ready_now = time.monotonic() - start
                    readies.setdefault(room_id, ready_now)
        await asyncio.sleep(0.1)
    if len(readies) == len(rooms):
        ready = max(readies.values())
    return ready, time.monotonic() - start if not waiting else float("inf")


async def run_level(server, media: Path, n: int, seconds: float, warmup: float) -> dict:
    rooms = [server.create_room(title=f"load {n}-{i}") for i in range(n)]
    stats: list[StreamStats] = []
    async with aiohttp.ClientSession(server.base_url) as http:
        bots = []
        for room in rooms:
            token = parse_qs(urlparse(room["candidate_url"]).query)["token"][0]
            offer = f"/api/rooms/{room['id']}/offer?token={token}"
            bot = candidate_bot(server.base_url, offer, media, passthrough=True)
            await bot.__aenter__()
            bots.append(bot)
        for room in rooms:
            token = parse_qs(urlparse(room["interviewer_url"]).query)["token"][0]
            async with http.get(f"/api/rooms/{room['id']}?token={token}") as response:
                stats.append(StreamStats(origin=(await response.json())["started_at"]))
        start = time.monotonic()
        warmup_until, until = start + warmup, start + warmup + seconds
        udp_before = udp_receive_errors()
        watchers = []
        for room, stat in zip(rooms, stats, strict=True):
            token = parse_qs(urlparse(room["interviewer_url"]).query)["token"][0]
            watchers.append(watch(http, f"/api/rooms/{room['id']}/live?token={token}", stat, until, warmup_until))
        watching = asyncio.gather(*watchers)
        await asyncio.sleep(warmup)
        cpu_start, wall_start = cpu_seconds(server.process.pid), time.monotonic()
        await watching
        cpu = (cpu_seconds(server.process.pid) - cpu_start) / (time.monotonic() - wall_start) * 100
        rss = rss_mb(server.process.pid)
        reports_s, complete_s = await end_all_and_time_reports(http, rooms)
        for bot in bots:
            await bot.__aexit__(None, None, None)
    latency = {
        lane: [percentile([v for s in stats for v in s.latencies_ms[lane]], q) for q in (0.50, 0.95, 0.99)]
        for lane in LANES
    }
    fps = [statistics.median(s.fps) if s.fps else 0.0 for s in stats]
    lag_growth = [s.lag[-1][1] - s.lag[0][1] if len(s.lag) > 1 else float("nan") for s in stats]
    return {
        "n": n,
        "cpu_pct": cpu,
        "rss_mb": rss,
        "fps_min": min(fps),
        "fps_median": statistics.median(fps),
        "dropped": sum(s.dropped for s in stats),
        "latency": latency,
        "reports_s": reports_s,
        "complete_s": complete_s,
        "lag_max": max((lag for s in stats for _, lag in s.lag), default=float("nan")),
        "lag_growth": max(lag_growth),
        "udp_errors": udp_receive_errors() - udp_before,
        "loop_lag_max": max((v for s in stats for v in s.loop_lag_ms), default=float("nan")),
        "loop_lag_p95": percentile([v for s in stats for v in s.loop_lag_ms], 0.95),
        "transcript_gaps": sum(s.transcript_gaps for s in stats),
    }


def measure_floor(media: Path, settings: Settings, seconds: float = 20.0) -> dict[str, float]:
    """The least any server could spend on one stream at these settings, % of a core per step.

    Decodes the bot clip's video and audio with PyAV and runs every analyzer the shipped engine holds
    (server/app.py's default_engine: the face on frames at the analysis rate, the voice, speech recognition and
    speaker analyzers on 16 kHz audio, each in this process even where the server runs it in a child), plus the
    recording's encoders at the recording's rate and size when recording is on, on one thread with nothing else.
    Each step is timed with process CPU time (the models' own worker threads included).
    """
    import tempfile

    import av
    import numpy as np

    from analyzers.base import AudioChunk, VideoSample
    from realtime.analyzer_process import ProcessAnalyzer
    from realtime.lanes import VIDEO
    from realtime.recording_files import RoomMedia
    from realtime.recording_segments import RecordingConfig, SegmentWriter
    from server.app import default_engine

    engine = default_engine(settings)
    analyzers = {}
    for analyzer in engine.analyzers:
        # A child-process analyzer is measured here, in-process: the floor is the model's work, not the pipe's.
        if isinstance(analyzer, ProcessAnalyzer):
            name, inner = analyzer.name, analyzer.in_this_process()
        else:
            name, inner = type(analyzer).__name__.removesuffix("Analyzer").lower(), analyzer
        inner.warm_up()
        analyzers[name] = (inner, inner.open("floor"), analyzer.lane == VIDEO.name)
    resampler = av.AudioResampler(format="s16", layout="mono", rate=16000)
    cost = dict.fromkeys(["decode", *analyzers], 0.0)
    recording = RecordingConfig(
        enabled=settings.recording, height=settings.recording_height, fps=settings.recording_fps
    )
    writer = None
    if recording.enabled:
        cost["recording"] = 0.0
        writer = SegmentWriter(RoomMedia(Path(tempfile.mkdtemp(prefix="floor-")), "floor"), recording)
    next_due = next_recorded = 0.0
    fps = settings.analysis_fps
    with av.open(str(media)) as container:
        frames = container.decode(*container.streams)
        while True:
            mark = time.process_time()
            frame = next(frames, None)
            if frame is None or float(frame.pts * frame.time_base) > seconds:
                break
            t = float(frame.pts * frame.time_base)
            cost["decode"] += time.process_time() - mark
            if isinstance(frame, av.VideoFrame):
                if writer is not None and t >= next_recorded:
                    next_recorded = max(next_recorded + 1 / recording.fps, t)
                    mark = time.process_time()
                    writer.write("video", frame, t)
                    cost["recording"] += time.process_time() - mark
                if t < next_due:
                    continue
                next_due = max(next_due + 1 / fps, t)
                mark = time.process_time()
                sample = VideoSample(t, time.time(), frame.to_ndarray(format="rgb24"))
                cost["decode"] += time.process_time() - mark
                for name, (_, session, video) in analyzers.items():
                    if video:
                        mark = time.process_time()
                        session.process(sample)
                        cost[name] += time.process_time() - mark
            else:
                if writer is not None:
                    mark = time.process_time()
                    writer.write("audio", frame, t)
                    cost["recording"] += time.process_time() - mark
                mark = time.process_time()
                pcm = np.concatenate([f.to_ndarray().reshape(-1) for f in resampler.resample(frame)] or [[]])
                chunk = AudioChunk(t, time.time(), pcm.astype(np.int16))
                cost["decode"] += time.process_time() - mark
                for name, (_, session, video) in analyzers.items():
                    if not video:
                        mark = time.process_time()
                        session.process(chunk)
                        cost[name] += time.process_time() - mark
    for name, (analyzer, session, _) in analyzers.items():
        mark = time.process_time()
        session.close()  # the last utterance's decode belongs to the floor too
        cost[name] += time.process_time() - mark
        analyzer.close()
    if writer is not None:
        writer.close()
    return {step: cpu / seconds for step, cpu in cost.items()}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, nargs="+", default=[2, 4, 6, 8, 10])
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--fps", type=float, default=None, help="server analysis rate (default: as shipped)")
    parser.add_argument("--no-floor", action="store_true", help="skip measuring the decode+inference floor")
    parser.add_argument(
        "--server-args", default="", help="extra server flags, e.g. '--no-transcript' or '--no-recording'"
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    camera, speech = build_camera_clip(work), build_speech_clip(work)
    # Passthrough bots cannot loop, so the clip lasts the whole run.
    media = build_bot_clip(work, camera, speech, seconds=args.warmup + args.seconds + 15)
    shipped = Settings()
    fps = args.fps or shipped.analysis_fps
    fps_args = ["--analysis-fps", str(args.fps)] if args.fps else []
    # The floor of the configuration under test: the shipped one unless --fps or --server-args change it.
    floor_settings = Settings.from_args([*args.server_args.split(), *fps_args], environ={})
    floor_steps = {} if args.no_floor else measure_floor(media, floor_settings)
    floor = sum(floor_steps.values()) or None
    server = start_server(
        work / "data", *fps_args, "--max-interviews", str(max(args.candidates)), *args.server_args.split()
    )
    idle_rss = rss_mb(server.process.pid)
    print(
        f"server ready, idle RSS {idle_rss:.0f} MB; {os.cpu_count()} cores; analysis at {fps} fps;"
        f" extra server flags: {args.server_args or 'none (shipped defaults)'}"
    )
    if floor is not None:
        steps = ", ".join(f"{step} {cpu * 100:.1f}" for step, cpu in floor_steps.items())
        print(f"floor (decode + every analyzer + recording alone, one stream): {floor * 100:.1f} % of a core ({steps})")
    print(
        " N  cpu%  cpu/str  /floor  MB/intv  fps min/med  dropped  video ms p50/p95/p99  voice ms p50/p95/p99"
        "  transcript s p50/p95/p99  lag max/growth s  udp err  loop lag p95/max ms  asr gaps  reports s (whole)"
    )
    results = []
    try:
        with restricted_host_addresses(["127.0.0.1"]):
            for n in args.candidates:
                r = await run_level(server, media, n, args.seconds, args.warmup)
                results.append(r)
                per_stream = r["cpu_pct"] / n
                ratio = f"{per_stream / (floor * 100):6.2f}" if floor else "     -"
                print(
                    f"{r['n']:2d} {r['cpu_pct']:5.1f}  {per_stream:6.1f}  {ratio}  {(r['rss_mb'] - idle_rss) / n:7.1f}"
                    f"  {r['fps_min']:4.1f}/{r['fps_median']:4.1f}  {r['dropped']:7.0f}"
                    f"  {_triple(r['latency']['video'])}  {_triple(r['latency']['voice'])}"
                    f"  {_triple([v / 1000 for v in r['latency']['transcript']], 1)}"
                    f"   {r['lag_max']:5.2f}/{r['lag_growth']:+5.2f}   {r['udp_errors']:6d}"
                    f"   {r['loop_lag_p95']:6.1f}/{r['loop_lag_max']:6.1f}   {r['transcript_gaps']:4.0f}"
                    f"   {r['reports_s']:6.1f} ({r['complete_s']:.1f})",
                    flush=True,
                )
    finally:
        stop_server(server)
    good = [r["n"] for r in results if meets_targets(r)]
    print(
        "largest N meeting every target (video and voice p95 <= 250 ms, transcript p95 <= 5 s, >= 5 analyzed fps on"
        f" every stream, lag growth <= 1 s, no UDP errors, reports <= 10 s): {max(good, default=0)}"
    )


def meets_targets(r: dict) -> bool:
    video, voice, transcript = (r["latency"][lane][1] for lane in LANES)
    return (
        video <= 250
        and voice <= 250
        and not transcript > 5000  # nan (no final heard) is judged by the transcript gaps instead
        and r["fps_min"] >= 5
        and r["lag_growth"] <= 1.0
        and r["udp_errors"] == 0
        and r["reports_s"] <= 10
    )


def _triple(values: list[float], decimals: int = 0) -> str:
    return "/".join(f"{v:.{decimals}f}" for v in values)


if __name__ == "__main__":
    asyncio.run(main())
