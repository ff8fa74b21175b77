"""Where one interview's recording lives on disk, and how its segment files are named.

    <data>/recordings/<room_id>/segments/video-000001.webm     finished segments, one kind per file
    <data>/recordings/<room_id>/segments/audio-000001.webm
    <data>/recordings/<room_id>/segments/video-000007.webm.part  the segment being written now
    <data>/recordings/<room_id>/segments/video-000007.partial.webm  a segment a crash cut short (kept, read leniently)
    <data>/recordings/<room_id>/recording.webm                  the joined file a browser plays
    <data>/recordings/<room_id>/recording.webm.enc              the same, encrypted, once the interview ended

Everything of a room sits under its one directory, so deleting that directory deletes all of its media.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rooms.errors import NotFound

RECORDING_NAME = "recording.webm"
SEALED_NAME = "recording.webm.enc"
_ROOM_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SEGMENT = re.compile(r"^(?P<kind>video|audio)-(?P<index>\d{6})(?P<partial>\.partial)?\.webm$")
_PART_SUFFIX = ".part"


@dataclass(frozen=True, slots=True)
class SegmentFile:
    path: Path
    kind: str  # "video" | "audio"
    index: int
    partial: bool  # cut short by a crash: its last packets may be torn


class RoomMedia:
    """The paths of one room's recording."""

    def __init__(self, root: Path, room_id: str) -> None:
        # Room ids come from URLs: never let one name a path outside the recordings directory.
        if not _ROOM_ID.match(room_id):
            raise NotFound("unknown room")
        self.room_id = room_id
        self.directory = root / room_id
        self.segments_dir = self.directory / "segments"
        self.recording = self.directory / RECORDING_NAME
        # The joined file encrypted under the interview's data key (rooms/crypto.py), once the interview ended.
        self.sealed = self.directory / SEALED_NAME

    def segment_path(self, kind: str, index: int) -> Path:
        """Where a segment is written; it carries a `.part` suffix until it is complete."""
        return self.segments_dir / f"{kind}-{index:06d}.webm{_PART_SUFFIX}"

    def segments(self) -> list[SegmentFile]:
        """Finished and crash-cut segments (not the ones being written), in recording order per kind."""
        if not self.segments_dir.is_dir():
            return []
        found = []
        for path in self.segments_dir.iterdir():
            match = _SEGMENT.match(path.name)
            if match:
                found.append(
                    SegmentFile(path, match["kind"], int(match["index"]), partial=match["partial"] is not None)
                )
        return sorted(found, key=lambda s: (s.kind, s.index))

    def next_index(self, kind: str) -> int:
        """The number after every segment of this kind already on disk (a restarted server continues)."""
        if not self.segments_dir.is_dir():
            return 1
        indexes = [int(p.name[6:12]) for p in self.segments_dir.glob(f"{kind}-*") if p.name[6:12].isdigit()]
        return max(indexes, default=0) + 1

    def seal_torn_segments(self) -> int:
        """After a crash: keep the segments that were being written under a name that says they were cut."""
        if not self.segments_dir.is_dir():
            return 0
        sealed = 0
        for path in self.segments_dir.glob(f"*.webm{_PART_SUFFIX}"):
            stem = path.name[: -len(".webm" + _PART_SUFFIX)]
            path.rename(path.with_name(f"{stem}.partial.webm"))
            sealed += 1
        return sealed

    def needs_join(self) -> bool:
        """Segments exist that the joined file does not hold yet (no file, or segments newer than it)."""
        segments = self.segments()
        if not segments:
            return False
        if not self.recording.exists():
            return True
        joined_at = self.recording.stat().st_mtime
        return any(s.path.stat().st_mtime > joined_at for s in segments)


def finish_segment(part_path: Path) -> Path:
    """A complete segment drops its `.part` suffix (an atomic rename)."""
    final = part_path.with_name(part_path.name[: -len(_PART_SUFFIX)])
    part_path.rename(final)
    return final


def room_directories(root: Path) -> list[str]:
    """The rooms that have a recording directory."""
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and _ROOM_ID.match(p.name))
