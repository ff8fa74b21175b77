"""Joins an interview's segment files into one WebM (VP8 + Opus) that a browser plays and seeks.

No re-encoding: packets are copied with their media-time stamps, merged in time order. What the candidate
did not send is filled in, so that the file's clock is the interview's clock (second 0 = the interview's
start) and a replay stays in step with the stored timeline:
- before the first picture and across a reconnect gap: one black keyframe (the picture is honestly absent);
- missing sound (the start, a reconnect, lost packets): Opus silence packets of 20 ms each.
Segments a crash cut short are read up to the last whole packet.

Synchronous: run it in a thread (a one-hour interview takes a few seconds of mostly I/O).
"""

from __future__ import annotations

import heapq
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import av
import numpy as np

from realtime.recording_files import RoomMedia, SegmentFile

log = logging.getLogger(__name__)

MS = Fraction(1, 1000)
OPUS_FRAME_MS = 20
# A pause in the picture longer than this (a reconnect, a crash) shows black rather than a frozen frame.
VIDEO_GAP_MS = 1000


@dataclass(frozen=True, slots=True)
class JoinResult:
    duration_s: float
    video_packets: int
    audio_packets: int
    silence_filled_s: float  # sound added where the candidate sent none
    dropped_packets: int  # out of order or torn by a crash


@dataclass(frozen=True, slots=True)
class _Timed:
    ms: int
    order: int  # video first at equal times, then file order
    packet: av.Packet


def join_segments(media: RoomMedia) -> JoinResult | None:
    """Write `media.recording` from the room's segments; None when there is nothing readable."""
    segments = media.segments()
    if not segments:
        return None
    video_segments = [s for s in segments if s.kind == "video"]
    audio_segments = [s for s in segments if s.kind == "audio"]
    part = media.recording.with_name(media.recording.name + ".part")
    output = av.open(str(part), "w", format="webm")
    try:
        video_out = _add_stream_like(output, video_segments, "video")
        audio_out = _add_stream_like(output, audio_segments, "audio")
        if video_out is None and audio_out is None:
            output.close()
            part.unlink(missing_ok=True)
            return None
        result = _copy(output, video_out, audio_out, video_segments, audio_segments)
        output.close()
    except BaseException:
        try:
            output.close()
        finally:
            part.unlink(missing_ok=True)
        raise
    os.replace(part, media.recording)  # a reader sees the old file or the whole new one, never half
    return result


def _add_stream_like(
    output: av.container.OutputContainer, segments: list[SegmentFile], kind: str
) -> av.stream.Stream | None:
    """An output stream copying the codec parameters of the first readable segment of this kind."""
    for segment in segments:
        try:
            with av.open(str(segment.path)) as source:
                streams = source.streams.video if kind == "video" else source.streams.audio
                if streams:
                    return output.add_stream_from_template(streams[0])
        except av.error.FFmpegError as exc:
            log.warning("unreadable segment %s: %s", segment.path, exc)
    return None


def _packets(segments: list[SegmentFile], kind: str, order: int) -> Iterator[_Timed]:
    for segment in segments:
        try:
            with av.open(str(segment.path)) as source:
                streams = source.streams.video if kind == "video" else source.streams.audio
                if not streams:
                    continue
                stream = streams[0]
                previous: av.Packet | None = None
                try:
                    for packet in source.demux(stream):
                        if packet.pts is None or packet.size == 0 or packet.is_corrupt:
                            continue
                        if previous is not None:
                            yield _timed(previous, order)
                        previous = packet
                except av.error.FFmpegError as exc:
                    log.info("segment %s ends early: %s", segment.path.name, exc)
                # A crash may have torn a segment's last packet in half: leave it out.
                if previous is not None and not segment.partial:
                    yield _timed(previous, order)
        except av.error.FFmpegError as exc:
            log.warning("unreadable segment %s: %s", segment.path, exc)


def _timed(packet: av.Packet, order: int) -> _Timed:
    assert packet.pts is not None and packet.time_base is not None
    return _Timed(round(packet.pts * packet.time_base * 1000), order, packet)


def _copy(
    output: av.container.OutputContainer,
    video_out: av.stream.Stream | None,
    audio_out: av.stream.Stream | None,
    video_segments: list[SegmentFile],
    audio_segments: list[SegmentFile],
) -> JoinResult:
    sources = []
    if video_out is not None:
        sources.append(_packets(video_segments, "video", 0))
    if audio_out is not None:
        sources.append(_packets(audio_segments, "audio", 1))
    black = _black_keyframe(video_out) if video_out is not None else None
    silence = _opus_silence(audio_out) if audio_out is not None else None

    last_ms = {0: -1, 1: -1}  # per stream: the newest timestamp written (strictly increasing)
    audio_end_ms = 0  # where the sound written so far ends
    video_packets = audio_packets = dropped = silence_ms = 0
    end_ms = 0
    for item in heapq.merge(*sources, key=lambda x: (x.ms, x.order)):
        packet, ms = item.packet, item.ms
        if ms <= last_ms[item.order]:
            dropped += 1
            continue
        if item.order == 0:
            assert video_out is not None and black is not None
            # Black from the start until the first picture, and across a gap in the picture.
            if last_ms[0] < 0 and ms > 0:
                _mux_copy(output, video_out, black, 0, 1, keyframe=True)
            elif last_ms[0] >= 0 and ms - last_ms[0] > VIDEO_GAP_MS:
                _mux_copy(output, video_out, black, last_ms[0] + 1, 1, keyframe=True)
            _mux(output, video_out, packet, ms)
            video_packets += 1
            end_ms = max(end_ms, ms + (_duration_ms(packet) or 0))
        else:
            assert audio_out is not None and silence is not None
            while ms - audio_end_ms >= OPUS_FRAME_MS:
                _mux_copy(output, audio_out, silence, audio_end_ms, OPUS_FRAME_MS, keyframe=True)
                audio_end_ms += OPUS_FRAME_MS
                silence_ms += OPUS_FRAME_MS
            _mux(output, audio_out, packet, ms)
            audio_packets += 1
            audio_end_ms = ms + (_duration_ms(packet) or OPUS_FRAME_MS)
            end_ms = max(end_ms, audio_end_ms)
        last_ms[item.order] = ms
    return JoinResult(end_ms / 1000, video_packets, audio_packets, silence_ms / 1000, dropped)


def _duration_ms(packet: av.Packet) -> int | None:
    if not packet.duration or packet.time_base is None:
        return None
    return round(packet.duration * packet.time_base * 1000)


def _mux(output: av.container.OutputContainer, stream: av.stream.Stream, packet: av.Packet, ms: int) -> None:
    packet.pts = packet.dts = ms
    packet.time_base = MS
    packet.stream = stream
    output.mux(packet)


def _mux_copy(
    output: av.container.OutputContainer,
    stream: av.stream.Stream,
    data: bytes,
    ms: int,
    duration_ms: int,
    keyframe: bool,
) -> None:
    packet = av.Packet(data)
    packet.pts = packet.dts = ms
    packet.duration = duration_ms
    packet.time_base = MS
    packet.is_keyframe = keyframe
    packet.stream = stream
    output.mux(packet)


def _black_keyframe(stream: av.stream.Stream) -> bytes:
    """One VP8 keyframe of black at the stream's size."""
    codec: Any = stream.codec_context  # a video codec context (PyAV types it as the base class)
    width, height = codec.width, codec.height
    encoder = av.CodecContext.create("libvpx", "w")
    encoder.width, encoder.height = width, height
    encoder.pix_fmt = "yuv420p"
    encoder.time_base = MS
    encoder.bit_rate = 100_000
    planes = np.full((height * 3 // 2, width), 128, dtype=np.uint8)
    planes[:height] = 16  # video-range black
    frame = av.VideoFrame.from_ndarray(planes, format="yuv420p")
    frame.pts = 0
    packets = [*encoder.encode(frame), *encoder.encode(None)]
    return bytes(packets[0])


def _opus_silence(stream: av.stream.Stream) -> bytes:
    """One 20 ms Opus packet of silence for the stream's channel count (taken after the encoder settles)."""
    codec: Any = stream.codec_context  # an audio codec context
    channels = codec.layout.nb_channels
    layout = "mono" if channels == 1 else "stereo"
    encoder = av.CodecContext.create("libopus", "w")
    encoder.sample_rate = 48000
    encoder.layout = layout
    encoder.format = "s16"
    encoder.bit_rate = 32_000
    encoder.time_base = Fraction(1, 48000)
    packets: list[av.Packet] = []
    for index in range(5):
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 960 * (1 if channels == 1 else 2)), dtype=np.int16), format="s16", layout=layout
        )
        frame.sample_rate = 48000
        frame.pts = index * 960
        packets.extend(encoder.encode(frame))
    return bytes(packets[-1])
