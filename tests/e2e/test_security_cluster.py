"""Issue 14, finding 3 (and the signing key of finding 6) on two real nodes and a real Redis.

DELETE on a node that did not record the interview answered 204 and removed the Redis rows, while the recording
stayed on the other node's disk. Now every node drains the cluster's deleted rooms and writes its own receipt.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis

from tests.support.redis_server import RedisServer
from tests.support.server_process import RunningServer, room_token, start_server, stop_server

NODE_FLAGS = ("--no-transcript", "--asr-processes", "1", "--no-recording")


@dataclass
class Cluster:
    redis: RedisServer
    a: RunningServer
    b: RunningServer


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    nodes: list[RunningServer] = []
    try:
        for name in ("node-a", "node-b"):
            data = tmp_path_factory.mktemp(name) / "data"
            nodes.append(start_server(data, "--redis", server.url, "--node-id", name, *NODE_FLAGS))
        yield Cluster(server, *nodes)
    finally:
        for node in nodes:
            if node.process.poll() is None:
                stop_server(node)
        server.stop()


def test_deleting_on_one_node_removes_the_recording_on_the_other(cluster: Cluster) -> None:
    a, b = cluster.a, cluster.b
    room = a.create_room()
    interviewer = room_token(room["interviewer_url"])
    status, _ = a.request("POST", f"/api/rooms/{room['id']}/end", token=interviewer)
    assert status == 200
    # Node B recorded this interview: its segments and joined file are on B's disk only.
    media = b.data_dir / "recordings" / room["id"]
    media.mkdir(parents=True)
    content = b"\x1a\x45\xdf\xa3 candidate video " + room["id"].encode()
    (media / "recording.webm").write_bytes(content)

    status, _ = a.request("DELETE", f"/api/rooms/{room['id']}")
    assert status == 204
    deadline = time.monotonic() + 20
    while media.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not media.exists(), "node B kept the recording of a deleted interview"

    status, listed = a.request("GET", f"/api/deletion-receipts?room_id={room['id']}")
    assert status == 200
    [request] = [r for r in listed["receipts"] if r["reason"] == "request"]
    assert request["removed"]["node"] == "node-a"
    # Node A deleted its own copies with the request; node B drained the deletion and wrote its own receipt.
    [drained] = [r for r in listed["receipts"] if r["reason"] == "cluster"]
    from_b = drained["removed"]
    assert from_b["node"] == "node-b"
    assert from_b["files"] == [
        {"path": f"{room['id']}/recording.webm", "bytes": len(content), "sha256": hashlib.sha256(content).hexdigest()}
    ]
    assert a.request("GET", f"/api/rooms/{room['id']}")[0] == 404
    assert b.request("GET", f"/api/rooms/{room['id']}")[0] == 404


def test_the_signing_key_is_not_in_clear_in_redis(cluster: Cluster) -> None:
    client = redis.Redis.from_url(cluster.redis.url)
    values = [client.get(key) for key in client.keys("*") if client.type(key) == b"string"]
    room = cluster.a.create_room()
    token = room_token(room["interviewer_url"])
    signing_parts = token.split(".")
    assert len(signing_parts) == 3
    # Whatever Redis holds, none of it verifies a link: the key is wrapped with the master key.
    import jwt

    for value in values:
        if value is None:
            continue
        try:
            jwt.decode(token, value.decode(errors="replace").strip(), algorithms=["HS256"])
        except jwt.InvalidTokenError:
            continue
        pytest.fail("a Redis value verifies a room link: the signing key is stored in clear")
