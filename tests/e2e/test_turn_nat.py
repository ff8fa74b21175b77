"""A candidate behind NAT reaches the server only through TURN: deploy/coturn/turnserver.conf (ports, paths
and the media server's address substituted) with per-session credentials the server mints.

The network is built here from namespaces: the candidate's Chromium on a home network (192.168.77.0/24)
behind a masquerading router; the server and coturn on the "public" side (198.51.100.0/24). The router drops
every UDP packet from the home network except to the TURN port, so no direct path exists; in the second case
it lets only TCP to the TURN port through. The candidate joins, the server analyzes, and the page's selected
candidate pair is a relay one.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.browser import chromium, join_interview
from tests.support.local_ca import LocalCA, make_local_ca
from tests.support.media_fixtures import CameraClip, SpeechClip
from tests.support.netns import can_make_namespaces, exec_argv, in_namespace, namespaces, nft, veth
from tests.support.server_process import ROOT, RunningServer, room_token, start_server, stop_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(can_make_namespaces() is not None, reason=str(can_make_namespaces())),
]
CONF = ROOT / "deploy" / "coturn" / "turnserver.conf"
SERVER_IP, TURN_IP, ROUTER_WAN, ROUTER_LAN, CANDIDATE_IP = (
    "198.51.100.2",
    "198.51.100.3",
    "198.51.100.1",
    "192.168.77.1",
    "192.168.77.2",
)
TURN_PORT = 3478
TURN_TLS_PORT = 5349
REALM = "interview.example.com"
SELECTED_PAIR_JS = """
const done = arguments[arguments.length - 1];
const pc = window.__interview && window.__interview.pc;
if (!pc) { done(null); return; }
pc.getStats().then((stats) => {
  let pair = null;
  stats.forEach((s) => {
    if (s.type === "transport" && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
  });
  if (!pair) stats.forEach((s) => {
    if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded") pair = s;
  });
  if (!pair) { done(null); return; }
  const local = stats.get(pair.localCandidateId), remote = stats.get(pair.remoteCandidateId);
  done({
    local: {type: local.candidateType, protocol: local.protocol, relayProtocol: local.relayProtocol || null,
            address: local.address, port: local.port},
    remote: {type: remote.candidateType, protocol: remote.protocol, address: remote.address, port: remote.port},
    rtt_ms: pair.currentRoundTripTime !== undefined ? pair.currentRoundTripTime * 1000 : null,
    bytes_sent: pair.bytesSent,
  });
}).catch((e) => done({error: String(e)}));
"""


def coturn_config(folder: Path, db: Path) -> str:
    text = CONF.read_text()
    substitutions = {
        "userdb=/var/lib/turn/turndb": f"userdb={db}",
        "/etc/letsencrypt/live/interview.example.com/fullchain.pem": str(folder / "tls.pem"),
        "/etc/letsencrypt/live/interview.example.com/privkey.pem": str(folder / "tls.key"),
        "allowed-peer-ip=10.0.0.5": f"allowed-peer-ip={SERVER_IP}",
        "log-file=stdout": f"log-file={folder / 'turn.log'}",
    }
    for old, new in substitutions.items():
        assert old in text, f"deploy/coturn/turnserver.conf no longer has {old!r}: update this test"
        text = text.replace(old, new)
    return text + f"listening-ip={TURN_IP}\nrelay-ip={TURN_IP}\npidfile={folder / 'turn.pid'}\n"


def router_rules(transport: str, http_port: int) -> str:
    """The home router: masquerade, and forward only HTTP to the server and what `transport` allows to TURN."""
    allowed = {
        "udp": [("udp", TURN_PORT), ("tcp", TURN_PORT)],
        "tcp": [("tcp", TURN_PORT)],
        "tls": [("tcp", TURN_TLS_PORT)],
    }[transport]
    turn_rules = "\n        ".join(f"iifname lan0 ip daddr {TURN_IP} {p} dport {port} accept" for p, port in allowed)
    return f"""
table inet home_router {{
    chain postrouting {{
        type nat hook postrouting priority srcnat; policy accept;
        oifname "wan0" masquerade
    }}
    chain forward {{
        type filter hook forward priority filter; policy drop;
        ct state established,related accept
        iifname lan0 ip daddr {SERVER_IP} tcp dport {http_port} accept
        {turn_rules}
    }}
}}
"""


@pytest.mark.parametrize(
    "transport", ["udp", "tcp", "tls"], ids=["udp-to-turn", "only-tcp-to-turn", "only-tls-to-turn"]
)
def test_candidate_behind_nat_connects_through_turn(
    tmp_path: Path, camera_clip: CameraClip, speech_clip: SpeechClip, transport: str
) -> None:
    tag = f"oi{os.getpid() % 100000}{transport[:2]}"
    home, router, public = f"{tag}-home", f"{tag}-rtr", f"{tag}-pub"
    with namespaces(home, router, public):
        veth(router, "lan0", f"{ROUTER_LAN}/24", home, "eth0", f"{CANDIDATE_IP}/24")
        veth(router, "wan0", f"{ROUTER_WAN}/24", public, "eth0", f"{SERVER_IP}/24")
        subprocess.run(exec_argv(public, ["ip", "addr", "add", f"{TURN_IP}/24", "dev", "eth0"]), check=True)
        subprocess.run(exec_argv(home, ["ip", "route", "add", "default", "via", ROUTER_LAN]), check=True)
        subprocess.run(exec_argv(router, ["sysctl", "-qw", "net.ipv4.ip_forward=1"]), check=True)

        secret_file = tmp_path / "turn_secret"
        secret_file.write_text("a-shared-secret-only-the-servers-know\n")
        turn_dir = tmp_path / "coturn"
        turn_dir.mkdir()
        ca = _tls_pair(turn_dir)
        db = turn_dir / "turndb"
        subprocess.run(
            ["turnadmin", "-s", secret_file.read_text().strip(), "-r", REALM, "-b", str(db)],
            check=True,
            capture_output=True,
        )
        conf = turn_dir / "turnserver.conf"
        conf.write_text(coturn_config(turn_dir, db))
        os.chmod(turn_dir, 0o777)
        for path in turn_dir.iterdir():
            os.chmod(path, 0o666)
        coturn = subprocess.Popen(
            exec_argv(public, ["turnserver", "-c", str(conf)]),
            stdout=subprocess.DEVNULL,
            stderr=(turn_dir / "stderr.log").open("wb"),
        )
        server: RunningServer | None = None
        try:
            turn_urls = [
                f"turn:{TURN_IP}:{TURN_PORT}",
                f"turn:{TURN_IP}:{TURN_PORT}?transport=tcp",
                f"turns:{REALM}:{TURN_TLS_PORT}?transport=tcp",  # TLS: the certificate names the host
            ]
            server = in_namespace(
                public,
                lambda: start_server(
                    tmp_path / "data",
                    "--host", "0.0.0.0", "--ice-host", SERVER_IP,
                    "--turn-url", turn_urls[0], "--turn-url", turn_urls[1], "--turn-url", turn_urls[2],
                    "--turn-secret-file", str(secret_file),
                ),
            )  # fmt: skip
            http_port = int(server.base_url.rsplit(":", 1)[1])
            nft(router, router_rules(transport, http_port))
            assert not _udp_gets_through(home, public), "the router lets UDP from the home network through"
            room = in_namespace(public, lambda: server.create_room(title="Behind NAT", candidate_name="Lin Hui"))
            interviewer = room_token(room["interviewer_url"])

            origin = f"http://{SERVER_IP}:{http_port}"
            home_dir = tmp_path / "home"
            ca.trust_in_nss(home_dir)

            def candidate() -> dict:
                # Plain HTTP keeps this test about the network (HTTPS has its own test); the camera needs a
                # secure context, which this flag grants to the one test origin.
                # The TURN host name resolves to coturn, whose certificate the test CA signed (trusted via NSS).
                flags = [
                    f"--unsafely-treat-insecure-origin-as-secure={origin}",
                    f"--host-resolver-rules=MAP {REALM} {TURN_IP}",
                ]
                env = {**os.environ, "HOME": str(home_dir)}
                with chromium(camera_clip.y4m, speech_clip.wav, extra_flags=flags, env=env) as driver:
                    driver.get(origin + room["candidate_url"])
                    config = json.loads(driver.find_element(By.ID, "page-config").get_attribute("textContent"))
                    started = time.monotonic()
                    join_interview(driver)
                    try:
                        WebDriverWait(driver, 45, poll_frequency=0.05).until(
                            lambda d: (
                                d.execute_script("return window.__interview && window.__interview.state") == "connected"
                            )
                        )
                    except Exception:
                        state = driver.execute_script("return [window.__interview.state, document.body.innerText]")
                        turn_log = (turn_dir / "turn.log").read_text(errors="replace")[-3000:]
                        raise AssertionError(f"not connected: {state}\n--- coturn:\n{turn_log}") from None
                    connect_s = time.monotonic() - started
                    pair = None
                    deadline = time.monotonic() + 10
                    while pair is None and time.monotonic() < deadline:
                        pair = driver.execute_async_script(SELECTED_PAIR_JS)
                        time.sleep(0.2)
                    time.sleep(12)  # the server analyzes what arrives through the relay
                    return {"connect_s": connect_s, "pair": pair, "ice_servers": config["iceServers"]}

            seen = in_namespace(home, candidate)
            status, _ = in_namespace(public, lambda: server.request("POST", f"/api/rooms/{room['id']}/end"))
            assert status == 200
            report, _ = in_namespace(public, lambda: server.wait_for_report(room["id"], interviewer))
            offers = server.log().count("POST /api/rooms/" + room["id"] + "/offer")
        finally:
            if server is not None:
                stop_server(server)
            coturn.terminate()
            coturn.wait(timeout=10)

    pair = seen["pair"]
    print(f"\nNAT ({transport} to TURN): connected in {seen['connect_s']:.2f} s after {offers} offer(s), pair {pair}")
    # The page got minted credentials, never the secret.
    assert all(s["username"].endswith(":" + room["id"]) and s["credential"] for s in seen["ice_servers"])
    assert "a-shared-secret" not in json.dumps(seen["ice_servers"])
    assert pair is not None and pair["local"]["type"] == "relay", pair
    assert pair["local"]["relayProtocol"] == transport, pair
    assert pair["local"]["address"] == TURN_IP, pair
    # The analysis ran on what came through the relay.
    # Video and audio came through the relay and were analyzed: frames, a face, speech. (How exactly the
    # measures match the fixture is the other e2e tests' subject; here the clip's start phase varies.)
    assert report["analysis"]["frames_analyzed"] >= 30, report["analysis"]
    assert report["metrics"]["face_presence"]["value"] > 0.05, report["metrics"]["face_presence"]
    assert report["metrics"]["speaking_time"]["value"] > 1.0, report["metrics"]["speaking_time"]
    log = (turn_dir / "turn.log").read_text(errors="replace")
    assert "a-shared-secret" not in log


def _udp_gets_through(home: str, public: str) -> bool:
    """Whether a datagram from the candidate's network reaches the server's address directly."""
    receiver = in_namespace(public, lambda: _bound_udp(SERVER_IP))
    try:
        port = receiver.getsockname()[1]

        def send() -> None:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
                for _ in range(3):
                    sender.sendto(b"direct?", (SERVER_IP, port))

        in_namespace(home, send)
        receiver.settimeout(1.0)
        try:
            receiver.recv(64)
            return True
        except TimeoutError:
            return False
    finally:
        receiver.close()


def _bound_udp(address: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((address, 0))
    return sock


def _tls_pair(folder: Path) -> LocalCA:
    ca = make_local_ca(folder / "ca", REALM)
    (folder / "tls.pem").write_bytes(ca.server_cert.read_bytes())
    (folder / "tls.key").write_bytes(ca.server_key.read_bytes())
    return ca
