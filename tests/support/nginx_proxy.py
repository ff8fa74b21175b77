"""Runs deploy/nginx/open-interview.conf itself, with only its ports and file paths substituted, in front of a
test server: what an operator installs is what the HTTPS test goes through."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.server_process import ROOT, free_port

SITE = ROOT / "deploy" / "nginx" / "open-interview.conf"
NGINX = "/usr/sbin/nginx"


@dataclass(frozen=True)
class Proxy:
    https_port: int
    http_port: int
    access_log: Path
    error_log: Path


def site_config(upstream_port: int, https_port: int, http_port: int, cert: Path, key: Path, folder: Path) -> str:
    text = SITE.read_text()
    substitutions = {
        "server 127.0.0.1:8080;": f"server 127.0.0.1:{upstream_port};",
        "listen 80;": f"listen {http_port};",
        "listen [::]:80;": f"listen [::]:{http_port};",
        "listen 443 ssl http2;": f"listen {https_port} ssl http2;",
        "listen [::]:443 ssl http2;": f"listen [::]:{https_port} ssl http2;",
        "/etc/letsencrypt/live/interview.example.com/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/interview.example.com/privkey.pem": str(key),
        "/var/log/nginx/open-interview.access.log": str(folder / "access.log"),
        "/var/www/html": str(folder / "www"),
    }
    for old, new in substitutions.items():
        assert old in text, f"deploy/nginx/open-interview.conf no longer has {old!r}: update this test"
        text = text.replace(old, new)
    return text


@contextmanager
def nginx_proxy(upstream_port: int, cert: Path, key: Path, folder: Path) -> Iterator[Proxy]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "www").mkdir(exist_ok=True)
    proxy = Proxy(free_port(), free_port(), folder / "access.log", folder / "error.log")
    site = folder / "open-interview.conf"
    site.write_text(site_config(upstream_port, proxy.https_port, proxy.http_port, cert, key, folder))
    # The main configuration Debian's /etc/nginx/nginx.conf would give, minus what needs the system's folders.
    main = folder / "nginx.conf"
    main.write_text(
        f"""
daemon off;
user root;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {proxy.error_log} info;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {site};
}}
"""
    )
    check = subprocess.run([NGINX, "-t", "-e", "stderr", "-p", str(folder), "-c", str(main)], capture_output=True)
    assert check.returncode == 0, check.stderr.decode()
    process = subprocess.Popen(
        [NGINX, "-e", "stderr", "-p", str(folder), "-c", str(main)],
        stdout=subprocess.DEVNULL,
        stderr=(folder / "stderr.log").open("wb"),
    )
    try:
        deadline = time.monotonic() + 10
        while not _accepts(proxy.https_port):
            assert process.poll() is None, (folder / "stderr.log").read_text()
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.05)
        yield proxy
    finally:
        process.terminate()
        process.wait(timeout=10)


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False
