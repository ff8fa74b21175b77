"""Network namespaces a test makes for itself (iproute2 + nftables): a NAT'd home network, a router, a public
side. Everything is created inside the new namespaces (`ip -n NS ...`), so the test's own namespace and the
machine's interfaces are never touched, and everything is deleted at the end.

Python code reaches into a namespace by running on a thread that has entered it (`setns` applies to the
calling thread only): `in_namespace(ns, fn)` runs `fn` there, so its sockets, and the processes it starts
(chromedriver and Chromium, for instance), live in that namespace.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def ip(*args: str, namespace: str | None = None) -> None:
    argv = ["ip", *(["-n", namespace] if namespace else []), *args]
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {result.stderr.strip()}")


def exec_argv(namespace: str, argv: Sequence[str]) -> list[str]:
    """argv that runs a program inside `namespace`."""
    return ["ip", "netns", "exec", namespace, *argv]


def nft(namespace: str, ruleset: str) -> None:
    result = subprocess.run(exec_argv(namespace, ["nft", "-f", "-"]), input=ruleset, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"nft in {namespace}: {result.stderr.strip()}\n{ruleset}")


@contextmanager
def namespaces(*names: str) -> Iterator[None]:
    """Create the namespaces (loopback up in each); delete them, and everything in them, on exit."""
    made: list[str] = []
    try:
        for name in names:
            ip("netns", "add", name)
            made.append(name)
            ip("link", "set", "lo", "up", namespace=name)
        yield
    finally:
        for name in made:
            subprocess.run(["ip", "netns", "pids", name], capture_output=True)
            subprocess.run(["ip", "netns", "del", name], capture_output=True)


def veth(a_namespace: str, a_name: str, a_address: str, b_namespace: str, b_name: str, b_address: str) -> None:
    """A cable between two namespaces, with an address (CIDR) on each end."""
    ip("link", "add", a_name, "type", "veth", "peer", "name", b_name, "netns", b_namespace, namespace=a_namespace)
    for namespace, name, address in ((a_namespace, a_name, a_address), (b_namespace, b_name, b_address)):
        ip("addr", "add", address, "dev", name, namespace=namespace)
        ip("link", "set", name, "up", namespace=namespace)


def in_namespace(namespace: str, fn: Callable[[], T]) -> T:
    """Run `fn` on a thread inside `namespace` and return its result (or raise its exception)."""
    outcome: dict[str, object] = {}

    def run() -> None:
        fd = os.open(f"/run/netns/{namespace}", os.O_RDONLY)
        try:
            if _libc.setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), f"setns into {namespace}")
        finally:
            os.close(fd)
        try:
            outcome["value"] = fn()
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, name=f"netns-{namespace}")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def can_make_namespaces() -> str | None:
    """None if this process may create network namespaces, else why not."""
    if os.geteuid() != 0:
        return "network namespaces need root (scripts/test.sh runs the suite as root)"
    for tool in ("ip", "nft", "turnserver", "turnadmin"):
        if subprocess.run(["which", tool], capture_output=True).returncode != 0:
            return f"{tool} is not installed (scripts/setup.sh --test installs it)"
    return None
