"""Small, deliberate edits to the SDP answers we send, and a cheap shape check of offers we receive."""

from __future__ import annotations

import re

# Chromium starts a new video stream at a low bitrate and ramps for 15-40 s (measured: 480x360 at first).
# A start-bitrate hint in the answer's video fmtp gets 640x480 within ~10 s, which the face analysis needs.
BITRATE_HINT = "x-google-start-bitrate=1500;x-google-min-bitrate=300"
_VIDEO_CODECS = {"VP8", "VP9", "H264", "AV1"}
_RTPMAP = re.compile(r"a=rtpmap:(\d+) ([\w-]+)/")
_FMTP = re.compile(r"a=fmtp:(\d+) ")


def add_video_bitrate_hints(sdp: str) -> str:
    """Append the bitrate hint to every video codec's fmtp line, adding the line where a codec has none."""
    out: list[str] = []
    for section in _sections(sdp.split("\r\n")):
        if not section[0].startswith("m=video"):
            out.extend(section)
            continue
        codec_pts = {
            m.group(1) for line in section if (m := _RTPMAP.match(line)) and m.group(2).upper() in _VIDEO_CODECS
        }
        with_fmtp = {m.group(1) for line in section if (m := _FMTP.match(line))}
        for line in section:
            fmtp = _FMTP.match(line)
            out.append(f"{line};{BITRATE_HINT}" if fmtp and fmtp.group(1) in codec_pts else line)
            rtpmap = _RTPMAP.match(line)
            if rtpmap and rtpmap.group(1) in codec_pts and rtpmap.group(1) not in with_fmtp:
                out.append(f"a=fmtp:{rtpmap.group(1)} {BITRATE_HINT}")
    return "\r\n".join(out)


def _sections(lines: list[str]) -> list[list[str]]:
    sections: list[list[str]] = [[]]
    for line in lines:
        if line.startswith("m="):
            sections.append([])
        sections[-1].append(line)
    return [s for s in sections if s]


def looks_like_sdp(text: str) -> bool:
    return text.lstrip().startswith("v=0") and "\nm=" in text


# A browser's offer for one camera and one microphone is 3-8 KB; 64 KiB leaves room for many codecs and
# candidates while keeping aiortc's parsing (event-loop time) small.
MAX_OFFER_BYTES = 64 * 1024
# What the server reads: one audio, one video and (optionally) one data channel section. Every extra track
# would be decoded and queued by aiortc without a reader: memory that grows until the node dies.
MAX_SECTIONS = {"audio": 1, "video": 1, "application": 1}


def offer_problem(sdp: str) -> str | None:
    """Why an offer must be refused before aiortc parses it (None when its shape is acceptable)."""
    if len(sdp) > MAX_OFFER_BYTES:
        return f"the offer is larger than {MAX_OFFER_BYTES} bytes"
    if not looks_like_sdp(sdp):
        return "malformed SDP: expected a session description starting with v=0"
    counts: dict[str, int] = {}
    for line in sdp.splitlines():
        if line.startswith("m="):
            kind = line[2:].split(" ", 1)[0]
            counts[kind] = counts.get(kind, 0) + 1
    for kind, count in counts.items():
        limit = MAX_SECTIONS.get(kind, 0)
        if count > limit:
            return f"the offer has {count} {kind} sections; at most {limit} allowed"
    return None
