"""Serving and stopping: HTTP or HTTPS on the configured address, and a graceful drain on SIGTERM/SIGINT.

Drain: the node stops admitting new interviews (503 + Retry-After, /readyz says "draining" so a load balancer
sends new candidates elsewhere), lets the interviews already running go on to their end (reconnects included)
for at most `drain_timeout_s`, then shuts down as before: sessions stop, what they analyzed is saved, reports
being written are finished. A second signal skips the wait.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import ssl
from pathlib import Path

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from server.keys import INTERVIEWS
from server.logs import AccessLogger

log = logging.getLogger(__name__)


def tls_context(cert_file: Path, key_file: Path) -> ssl.SSLContext:
    """A server-side TLS context from a PEM certificate chain and its key (TLS 1.2 or later)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    return context


async def serve(
    app: web.Application,
    host: str,
    port: int,
    ssl_context: ssl.SSLContext | None = None,
    drain_timeout_s: float = 3600.0,
    access_log_class: type[AbstractAccessLogger] = AccessLogger,
) -> None:
    """Run until SIGTERM/SIGINT, then drain and clean up."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    skip = asyncio.Event()
    signals = 0

    def on_signal() -> None:
        nonlocal signals
        signals += 1
        if signals > 1:
            log.warning("second stop signal: not waiting for live interviews")
        stop.set()
        if signals > 1:
            skip.set()

    runner = web.AppRunner(app, handle_signals=False, access_log_class=access_log_class)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port, ssl_context=ssl_context)
        await site.start()
        scheme = "https" if ssl_context else "http"
        print(f"Interview server on {scheme}://{host}:{port}", flush=True)
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, on_signal)
        await stop.wait()
        await drain(app, drain_timeout_s, skip)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await runner.cleanup()
        log.info("stopped")


async def drain(app: web.Application, timeout_s: float, skip: asyncio.Event | None = None) -> None:
    """Stop admitting; wait until no interview runs on this node, the timeout passes or `skip` is set."""
    interviews = app.get(INTERVIEWS)
    if interviews is None:
        return
    interviews.drain()
    live = len(interviews.sessions)
    log.info("draining: no new interviews; waiting for %d live interview(s), at most %.0f s", live, timeout_s)
    deadline = asyncio.get_running_loop().time() + timeout_s
    while interviews.sessions and asyncio.get_running_loop().time() < deadline:
        if skip is not None and skip.is_set():
            break
        await asyncio.sleep(0.5)
    if interviews.sessions:
        left = len(interviews.sessions)
        log.warning("drain ended with %d interview(s) still live; they stay live for a reconnect", left)
    else:
        log.info("drained: no live interviews")
