"""`run.py new-master-key` and `run.py rotate-master-key`: the master key's life cycle (docs/security.md).

Rotation re-wraps the small wrapped keys only (every interview's data key, and with --redis the signing key);
no recording is re-encrypted. Run it with the current key where the server finds it (INTERVIEW_MASTER_KEY or the
key file) and the new key in INTERVIEW_NEW_MASTER_KEY, then give every node the new key and restart them.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence

from rooms.crypto import new_key
from rooms.keyring import Keyring, RedisWrappedKeys, SqliteWrappedKeys
from rooms.nodes import rewrap_signing_key
from server.master_key import (
    MasterKeyError,
    decode_master_key,
    encode_master_key,
    load_master_key,
    master_key_path,
)
from server.settings import Settings

NEW_KEY_ENV = "INTERVIEW_NEW_MASTER_KEY"


def new_master_key_command(argv: Sequence[str]) -> int:
    """Print a fresh master key (base64url of 32 random bytes)."""
    print(encode_master_key(new_key()))
    return 0


def rotate_master_key_command(argv: Sequence[str]) -> int:
    settings = Settings.from_args(list(argv))
    new_text = os.environ.get(NEW_KEY_ENV)
    if not new_text:
        print(f"set {NEW_KEY_ENV} to the new master key (python run.py new-master-key makes one)", file=sys.stderr)
        return 2
    try:
        old, new = load_master_key(settings), decode_master_key(new_text)
    except MasterKeyError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    moved = asyncio.run(rotate_master_key(settings, old, new))
    if not settings.master_key:  # the key lives in a file: replace it there (0600, atomically)
        path = master_key_path(settings)
        temporary = path.with_name(path.name + ".new")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(encode_master_key(new) + "\n")
        os.replace(temporary, path)
    print(f"re-wrapped {moved} data keys under the new master key; restart every node with it")
    return 0


async def rotate_master_key(settings: Settings, old: bytes, new: bytes) -> int:
    """Re-wrap every data key (and, with Redis, the signing key) from `old` to `new`; returns the data keys moved."""
    if settings.redis_url:
        from redis.asyncio import Redis

        client = Redis.from_url(settings.redis_url)
        keyring = Keyring(old, RedisWrappedKeys(client))
        try:
            moved = await keyring.rewrap(new)
        finally:
            await client.aclose()
        await asyncio.to_thread(rewrap_signing_key, settings.redis_url, old, new)
        return moved
    store = SqliteWrappedKeys(settings.data_dir / "keys.sqlite3")
    await store.open()
    keyring = Keyring(old, store)
    try:
        return await keyring.rewrap(new)
    finally:
        await keyring.close()
