"""Encodes decoded candidate media into short WebM segment files, stamped with the interview's media time.

Synchronous and single-threaded on purpose: the recorder calls it from one worker at a time, off the event loop.

- Video is scaled to a fixed height (width follows the aspect) and encoded with VP8 in libvpx's realtime mode,
  one encoder per segment, so every segment starts with a keyframe and plays on its own.
- Audio is mixed to mono and encoded with Opus by ONE encoder that outlives the segments: a fresh Opus
  encoder starts with 6.5 ms of priming, which would pile up at every segment boundary and slowly push the
  sound out of step with the picture.
- Packet timestamps are media time (ms since the interview started), so reconnect gaps stay gaps and the
  joined file lines up with the stored timeline.
- Matroska clusters close every second and are flushed to the kernel, so a killed process loses at most about
  a second of the segment it was writing; finished segments drop their `.part` suffix.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from realtime.recording_files import RoomMedia, finish_segment

log = logging.getLogger(__name__)

MS = Fraction(1, 1000)
AUDIO_RATE = 48000
AUDIO_TIME_BASE = Fraction(1, AUDIO_RATE)
# Audio that arrives later than its predecessor's end by less than this is treated as continuous: the
# receiver's clock jitters by a few ms; a real gap (packet loss, a reconnect) is at least one 20 ms frame.
_AUDIO_JOIN_SAMPLES = AUDIO_RATE // 100


@dataclass(frozen=True, slots=True)
class RecordingConfig:
    enabled: bool = True
    height: int = 360  # recorded video height in pixels; width follows the candidate's aspect ratio
    fps: float = 10.0  # recorded frames per second (the camera's extra frames are skipped)
    segment_s: float = 5.0  # a new segment file this often
    video_bitrate: int = 400_000
    audio_bitrate: int = 32_000
    cluster_ms: int = 1000  # flush to disk this often inside a segment


def recording_size(width: int, height: int, target_height: int) -> tuple[int, int]:
    """The recorded frame size: `target_height` tall, the source's aspect, even sides (yuv420p needs them)."""
    out_h = max(2, target_height - target_height % 2)
    out_w = max(2, round(out_h * width / height / 2) * 2)
    return out_w, out_h


def _segment_options(config: RecordingConfig) -> dict[str, str]:
    return {"cluster_time_limit": str(config.cluster_ms), "flush_packets": "1"}


class VideoSegments:
    def __init__(self, media: RoomMedia, config: RecordingConfig) -> None:
        self._media = media
        self._config = config
        self._index = media.next_index("video")
        self._reformatter = VideoReformatter()
        self._container: av.container.OutputContainer | None = None
        self._stream: av.VideoStream | None = None
        self._part: Path | None = None
        self._size: tuple[int, int] | None = None
        self._start_t = 0.0
        self._last_ms = -1
        self.frames = 0
        self.segments = 0

    def write(self, frame: av.VideoFrame, t: float) -> None:
        ms = max(round(t * 1000), self._last_ms + 1)  # strictly increasing, whatever the receiver's jitter
        size = recording_size(frame.width, frame.height, self._config.height)
        if self._container is None or size != self._size or t - self._start_t >= self._config.segment_s:
            self.split()
            self._open(size, t)
        assert self._stream is not None and self._container is not None
        # Our own reformatter: `frame.reformat()` would use the frame's, which analysis uses at the same time
        # on another thread (to_ndarray), and a swscale context shared across threads crashes the process.
        scaled = self._reformatter.reformat(frame, width=size[0], height=size[1], format="yuv420p")
        if scaled is frame:
            # The relay hands the same frame object to analysis: never touch its timestamps.
            scaled = av.VideoFrame.from_ndarray(frame.to_ndarray(), format="yuv420p")
        scaled.pts = ms
        scaled.time_base = MS
        for packet in self._stream.encode(scaled):
            self._container.mux(packet)
        self._last_ms = ms
        self.frames += 1

    def _open(self, size: tuple[int, int], t: float) -> None:
        self._media.segments_dir.mkdir(parents=True, exist_ok=True)
        self._part = self._media.segment_path("video", self._index)
        self._index += 1
        container = av.open(str(self._part), "w", format="webm", options=_segment_options(self._config))
        fps = Fraction(self._config.fps).limit_denominator(1000)
        stream = container.add_stream("libvpx", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.bit_rate = self._config.video_bitrate
        stream.codec_context.time_base = MS
        # A keyframe every 2 s lets a player seek without decoding a whole segment.
        stream.codec_context.gop_size = max(1, round(self._config.fps * 2))
        # Realtime mode at the fastest speed and one thread: the recording must cost as little CPU as possible.
        stream.options = {"deadline": "realtime", "cpu-used": "16", "lag-in-frames": "0", "threads": "1"}
        self._container, self._stream, self._size, self._start_t = container, stream, size, t

    def split(self) -> None:
        """Finish the current segment (the next frame opens a new one): at a reconnect, a size change, or the end."""
        container, stream, part = self._container, self._stream, self._part
        self._container = self._stream = self._part = None
        if container is None or stream is None or part is None:
            return
        try:
            for packet in stream.encode(None):
                container.mux(packet)
        finally:
            container.close()
        finish_segment(part)
        self.segments += 1

    def abandon(self) -> None:
        """After a write error: drop the broken segment's encoder; what reached the disk stays for recovery."""
        container, self._container, self._stream, self._part = self._container, None, None, None
        if container is not None:
            try:
                container.close()
            except Exception:  # the file is already broken; recovery reads what it can
                log.debug("closing a broken video segment failed", exc_info=True)


class AudioSegments:
    def __init__(self, media: RoomMedia, config: RecordingConfig) -> None:
        self._media = media
        self._config = config
        self._index = media.next_index("audio")
        self._encoder = _opus_encoder(config.audio_bitrate)
        self._resampler = av.AudioResampler(format="s16", layout="mono", rate=AUDIO_RATE)
        self._container: av.container.OutputContainer | None = None
        self._stream: av.AudioStream | None = None
        self._part: Path | None = None
        self._start_t = 0.0
        self._next_pts: int | None = None  # where the previous frame ended, in samples
        self.samples = 0
        self.segments = 0

    def write(self, frame: av.AudioFrame, t: float) -> None:
        start = round(t * AUDIO_RATE)
        for out in self._mono_48k(frame):
            if self._next_pts is None or start - self._next_pts >= _AUDIO_JOIN_SAMPLES:
                pts = start if self._next_pts is None else max(start, self._next_pts)  # a gap stays a gap
            else:
                pts = self._next_pts  # continuous sound: keep it sample-exact
            out.pts = pts
            out.time_base = AUDIO_TIME_BASE
            self._next_pts = pts + out.samples
            start += out.samples
            if self._container is None or pts / AUDIO_RATE - self._start_t >= self._config.segment_s:
                self.split()
                self._open(pts / AUDIO_RATE)
            self._mux(self._encoder.encode(out))
            self.samples += out.samples

    def _mono_48k(self, frame: av.AudioFrame) -> list[av.AudioFrame]:
        if frame.format.name == "s16" and frame.sample_rate == AUDIO_RATE and frame.layout.nb_channels <= 2:
            # The common case (aiortc's Opus decoder: packed s16 stereo at 48 kHz): mix down in numpy, on a copy.
            pcm = frame.to_ndarray().reshape(-1, frame.layout.nb_channels)
            left, right = pcm[:, 0].astype(np.int32), pcm[:, -1].astype(np.int32)
            mono = pcm[:, 0] if pcm.shape[1] == 1 else ((left + right) >> 1).astype(np.int16)
            out = av.AudioFrame.from_ndarray(mono.reshape(1, -1), format="s16", layout="mono")
            out.sample_rate = AUDIO_RATE
            return [out]
        copy = av.AudioFrame.from_ndarray(frame.to_ndarray(), format=frame.format.name, layout=frame.layout.name)
        copy.sample_rate = frame.sample_rate
        return self._resampler.resample(copy)

    def _mux(self, packets: list[av.Packet]) -> None:
        assert self._container is not None and self._stream is not None
        for packet in packets:
            packet.stream = self._stream
            self._container.mux(packet)

    def _open(self, t: float) -> None:
        self._media.segments_dir.mkdir(parents=True, exist_ok=True)
        self._part = self._media.segment_path("audio", self._index)
        self._index += 1
        container = av.open(str(self._part), "w", format="webm", options=_segment_options(self._config))
        # The stream's own encoder is opened only for the header (the Opus head); packets come from ours.
        stream = container.add_stream("libopus", rate=AUDIO_RATE)
        stream.layout = "mono"
        stream.format = "s16"
        stream.bit_rate = self._config.audio_bitrate
        self._container, self._stream, self._start_t = container, stream, t

    def split(self) -> None:
        container, part = self._container, self._part
        self._container = self._stream = self._part = None
        if container is None or part is None:
            return
        container.close()
        finish_segment(part)
        self.segments += 1

    def close(self) -> None:
        """The end: flush the encoder's last packets into the last segment and finish it."""
        if self._container is not None:
            try:
                self._mux(self._encoder.encode(None))
            except Exception:
                log.exception("flushing the audio encoder failed")
        self.split()

    def abandon(self) -> None:
        container, self._container, self._stream, self._part = self._container, None, None, None
        if container is not None:
            try:
                container.close()
            except Exception:
                log.debug("closing a broken audio segment failed", exc_info=True)


def _opus_encoder(bit_rate: int) -> av.AudioCodecContext:
    encoder = av.CodecContext.create("libopus", "w")
    encoder.sample_rate = AUDIO_RATE
    encoder.layout = "mono"
    encoder.format = "s16"
    encoder.bit_rate = bit_rate
    encoder.time_base = AUDIO_TIME_BASE
    # Complexity 5 of 10 halves the encoder's CPU; for speech at 32 kbit/s the difference is not audible.
    encoder.options = {"compression_level": "5"}
    return encoder


class SegmentWriter:
    """Both kinds of one interview; the recorder's worker calls it, one call at a time."""

    def __init__(self, media: RoomMedia, config: RecordingConfig) -> None:
        self.media = media
        self.video = VideoSegments(media, config)
        self.audio = AudioSegments(media, config)

    def write(self, kind: str, frame: av.VideoFrame | av.AudioFrame, t: float) -> None:
        target = self.video if kind == "video" else self.audio
        try:
            target.write(frame, t)  # type: ignore[arg-type]
        except Exception:
            # A full disk or a codec error must not end the interview: this segment is given up, the next
            # frame starts another one.
            log.exception("recording %s for room %s failed", kind, self.media.room_id)
            target.abandon()

    def split(self, kind: str) -> None:
        """A new track of this kind (a reconnect): its frames go to a new segment."""
        target = self.video if kind == "video" else self.audio
        try:
            target.split()
        except Exception:
            log.exception("finishing a %s segment for room %s failed", kind, self.media.room_id)
            target.abandon()

    def close(self) -> None:
        for name, finish in (("video", self.video.split), ("audio", self.audio.close)):
            try:
                finish()
            except Exception:
                log.exception("finishing the %s recording for room %s failed", name, self.media.room_id)
