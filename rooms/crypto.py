"""Encryption at rest: a master key wraps one data key per interview; data keys encrypt with AES-256-GCM.

- The master key (32 bytes) comes from INTERVIEW_MASTER_KEY (base64url) or a file, created 0600 on first start
  (server/keyring.py). It never encrypts data itself: it wraps data keys and the cluster's signing key.
- Each interview has its own data key. Deleting it makes every copy of the interview's encrypted files
  unreadable, backups included ("crypto-shredding").
- Files are encrypted in fixed-size chunks, each with its own nonce and authenticated with its index, so a Range
  request decrypts only the chunks it needs, and chunks cannot be reordered or truncated unnoticed.

Format of an encrypted file: MAGIC | chunk size (4 bytes, big endian) | plaintext size (8) | nonce prefix (8),
then each chunk's ciphertext with its 16-byte tag. Chunk i's nonce is the prefix followed by i (4 bytes); its
associated data is the header followed by i, so a chunk moved from another file or position fails to decrypt.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
MAGIC = b"OIENC1\n"
CHUNK_BYTES = 64 * 1024
_TAG = 16
_HEADER = struct.Struct(">IQ8s")
HEADER_BYTES = len(MAGIC) + _HEADER.size


class DecryptionError(ValueError):
    """Wrong key, or the data was altered, truncated or reordered."""


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def key_id(key: bytes) -> str:
    """A short public name for a key (never the key): which master key wrapped a data key."""
    return hashlib.sha256(b"oi-key-id:" + key).hexdigest()[:12]


def wrap(master: bytes, secret: bytes, label: str) -> str:
    """`secret` encrypted under `master`, bound to `label` (e.g. the room id): "v1:<key id>:<base64>"."""
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(master).encrypt(nonce, secret, label.encode())
    return f"v1:{key_id(master)}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def unwrap(master: bytes, wrapped: str, label: str) -> bytes:
    try:
        version, _, blob = wrapped.split(":", 2)
        raw = base64.urlsafe_b64decode(blob)
        if version != "v1":
            raise ValueError(version)
        return AESGCM(master).decrypt(raw[:12], raw[12:], label.encode())
    except Exception as exc:  # InvalidTag, bad base64, bad layout: one error for the caller
        raise DecryptionError(f"cannot unwrap {label}: wrong master key or altered data") from exc


def wrapped_by(wrapped: str) -> str:
    """The id of the master key that wrapped this value."""
    return wrapped.split(":", 2)[1]


def seal_record(key: bytes, plaintext: bytes, label: str) -> bytes:
    """One small record (a timeline line): nonce | ciphertext+tag."""
    nonce = secrets.token_bytes(12)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, label.encode())


def open_record(key: bytes, sealed: bytes, label: str) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed[:12], sealed[12:], label.encode())
    except Exception as exc:
        raise DecryptionError(f"cannot decrypt a record of {label}") from exc


@dataclass(frozen=True, slots=True)
class SealedFile:
    """The header of an encrypted file: what a Range reader needs to find and decrypt chunks."""

    chunk_bytes: int
    size: int  # plaintext bytes
    prefix: bytes
    header: bytes

    def chunk_offset(self, index: int) -> int:
        return HEADER_BYTES + index * (self.chunk_bytes + _TAG)

    @property
    def chunks(self) -> int:
        return (self.size + self.chunk_bytes - 1) // self.chunk_bytes


def encrypt_file(key: bytes, source: Path, target: Path, chunk_bytes: int = CHUNK_BYTES) -> None:
    """Encrypt `source` into `target` (written 0600 under a temporary name, then renamed into place)."""
    size = source.stat().st_size
    header = MAGIC + _HEADER.pack(chunk_bytes, size, secrets.token_bytes(8))
    aead = AESGCM(key)
    temporary = target.with_name(target.name + ".partial")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out, source.open("rb") as src:
        out.write(header)
        index = 0
        while chunk := src.read(chunk_bytes):
            out.write(aead.encrypt(_nonce(header, index), chunk, header + struct.pack(">I", index)))
            index += 1
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, target)


def read_header(f: BinaryIO) -> SealedFile:
    header = f.read(HEADER_BYTES)
    if len(header) != HEADER_BYTES or not header.startswith(MAGIC):
        raise DecryptionError("not an encrypted file")
    chunk_bytes, size, prefix = _HEADER.unpack(header[len(MAGIC) :])
    return SealedFile(chunk_bytes, size, prefix, header)


def decrypt_range(key: bytes, f: BinaryIO, sealed: SealedFile, start: int, end: int) -> Iterator[bytes]:
    """Plaintext bytes [start, end) of the file, decrypting only the chunks they fall in."""
    end = min(end, sealed.size)
    if start >= end:
        return
    aead = AESGCM(key)
    first, last = start // sealed.chunk_bytes, (end - 1) // sealed.chunk_bytes
    for index in range(first, last + 1):
        f.seek(sealed.chunk_offset(index))
        expected = min(sealed.chunk_bytes, sealed.size - index * sealed.chunk_bytes) + _TAG
        ciphertext = f.read(expected)
        try:
            chunk = aead.decrypt(_nonce(sealed.header, index), ciphertext, sealed.header + struct.pack(">I", index))
        except Exception as exc:
            raise DecryptionError(f"chunk {index} failed authentication") from exc
        chunk_start = index * sealed.chunk_bytes
        yield chunk[max(0, start - chunk_start) : end - chunk_start]


def _nonce(header: bytes, index: int) -> bytes:
    return header[-8:] + struct.pack(">I", index)
