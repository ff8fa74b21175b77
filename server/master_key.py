"""The master key: from INTERVIEW_MASTER_KEY (base64url of 32 bytes) or a file, created 0600 on first start.

Several nodes must share it (they unwrap the same signing key and data keys): give every node the same
environment variable, or the same file (e.g. a mounted secret). `python run.py rotate-master-key` re-wraps
everything under a new one (docs/security.md).
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from rooms.crypto import KEY_BYTES, new_key
from server.settings import Settings


class MasterKeyError(ValueError):
    pass


def decode_master_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError):
        raise MasterKeyError("the master key is not base64url") from None
    if len(key) != KEY_BYTES:
        raise MasterKeyError(f"the master key must be {KEY_BYTES} bytes (base64url), not {len(key)}")
    return key


def encode_master_key(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode().rstrip("=")


def master_key_path(settings: Settings) -> Path:
    return settings.master_key_file or settings.data_dir / "master_key"


def load_master_key(settings: Settings) -> bytes:
    """The master key of this deployment (created in the data directory on first start if none is given)."""
    if settings.master_key:
        return decode_master_key(settings.master_key)
    path = master_key_path(settings)
    if path.exists():
        return decode_master_key(path.read_text())
    if settings.redis_url:
        # Several nodes each creating their own would never read each other's keys: refuse, say what to do.
        raise MasterKeyError(
            "with --redis every node needs the same master key: set INTERVIEW_MASTER_KEY "
            f"(e.g. python run.py new-master-key) or place the same file at {path}"
        )
    key = new_key()
    write_master_key(path, key)
    return key


def write_master_key(path: Path, key: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(encode_master_key(key) + "\n")


def prepare_data_dir(data_dir: Path) -> None:
    """The data directory readable by the server's user only: 0700, and every file in it 0600.

    New files get 0600 from the process umask (run.py sets 077); this also tightens what an older version
    wrote 0644 into 0755 folders."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    data_dir.chmod(0o700)
    for path in data_dir.rglob("*"):
        try:
            if path.is_symlink():
                continue
            path.chmod(0o700 if path.is_dir() else 0o600)
        except OSError:
            pass  # removed meanwhile, or not ours: nothing to tighten
