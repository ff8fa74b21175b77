"""Encryption at rest (rooms/crypto.py, rooms/keyring.py): chunked AES-256-GCM files read by range, wrapped
keys, rotation and crypto-shredding; the data directory's permissions (server/master_key.py)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from rooms import crypto
from rooms.keyring import Keyring, SqliteWrappedKeys
from server.master_key import prepare_data_dir


def test_ranges_decrypt_only_what_they_cover_and_tampering_is_caught(tmp_path: Path) -> None:
    key = crypto.new_key()
    data = os.urandom(200_000)
    (tmp_path / "plain").write_bytes(data)
    crypto.encrypt_file(key, tmp_path / "plain", tmp_path / "sealed", chunk_bytes=4096)
    sealed_bytes = (tmp_path / "sealed").read_bytes()
    assert data[:4096] not in sealed_bytes and stat.S_IMODE((tmp_path / "sealed").stat().st_mode) == 0o600
    with (tmp_path / "sealed").open("rb") as f:
        header = crypto.read_header(f)
        assert header.size == len(data)
        for start, end in ((0, 1), (4095, 4097), (8192, 8192 + 4096), (199_990, 250_000), (0, len(data))):
            assert b"".join(crypto.decrypt_range(key, f, header, start, end)) == data[start:end]
        with pytest.raises(crypto.DecryptionError):
            b"".join(crypto.decrypt_range(crypto.new_key(), f, header, 0, 10))
    tampered = bytearray(sealed_bytes)
    tampered[crypto.HEADER_BYTES + 5000] ^= 1  # a byte of the second chunk
    (tmp_path / "tampered").write_bytes(bytes(tampered))
    with (tmp_path / "tampered").open("rb") as f:
        header = crypto.read_header(f)
        assert b"".join(crypto.decrypt_range(key, f, header, 0, 4096)) == data[:4096]  # chunk 0 still reads
        with pytest.raises(crypto.DecryptionError):
            b"".join(crypto.decrypt_range(key, f, header, 4096, 8192))


async def test_data_keys_are_wrapped_rotated_and_shredded(tmp_path: Path) -> None:
    master, rotated = crypto.new_key(), crypto.new_key()
    store = SqliteWrappedKeys(tmp_path / "keys.sqlite3")
    await store.open()
    keyring = Keyring(master, store)
    key = await keyring.data_key("room1")
    assert await keyring.data_key("room1") == key and await keyring.data_key("room2") != key
    stored = await store.get("room1")
    assert stored is not None and key.hex() not in stored and crypto.wrapped_by(stored) == crypto.key_id(master)
    assert await keyring.rewrap(rotated) == 2
    fresh = Keyring(rotated, store)  # a node restarted with the new master key reads every key
    assert await fresh.existing_key("room1") == key
    with pytest.raises(crypto.DecryptionError):
        await Keyring(master, store).existing_key("room1")  # the old master key no longer opens them
    assert await fresh.shred("room1") is True
    assert await fresh.existing_key("room1") is None  # crypto-shredded: nothing can decrypt room1 again
    await fresh.close()


def test_data_directory_is_made_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "recordings" / "room1").mkdir(parents=True, mode=0o755)
    data.chmod(0o755)
    (data / "interviews.sqlite3").write_bytes(b"x")
    (data / "recordings" / "room1" / "recording.webm").write_bytes(b"x")
    for path in (data / "interviews.sqlite3", data / "recordings" / "room1" / "recording.webm"):
        path.chmod(0o644)
    prepare_data_dir(data)
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for path in data.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path
