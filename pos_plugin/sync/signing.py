"""The store's sync signing key: Ed25519, kept in POS_PLUGIN_HOME, its public half at head office.

Ed25519 rather than a shared HMAC secret: head office holds only public keys,
so nothing it stores lets anyone sign a store's files. `cryptography` (8 MiB)
is imported by the functions that use it, so a server that has nothing to
export yet does not hold it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

ALGORITHM = "ed25519"
KEY_PREFIX = "ed25519:"
KEY_FILE = Path("keys") / "sync-signing-key.pem"


class SigningKeyError(ValueError):
    """A key that cannot be read or parsed; the message says why."""


def key_path(home: Path) -> Path:
    return home / KEY_FILE


def load_or_create(home: Path) -> Ed25519PrivateKey:
    """The store's private key, made (readable by this user only) the first time it is needed."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = key_path(home)
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first: use theirs
        else:
            with os.fdopen(fd, "wb") as stream:
                stream.write(pem)
                stream.flush()
                os.fsync(stream.fileno())
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise SigningKeyError(f"{path}: the sync signing key cannot be read: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path}: not an Ed25519 private key")
    return key


def public_key_text(key: Ed25519PrivateKey) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return KEY_PREFIX + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def parse_public_key(text: str) -> Ed25519PublicKey:
    """A public key as `sync key` prints it; `SigningKeyError` says what is wrong."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not text.startswith(KEY_PREFIX):
        raise SigningKeyError(
            f"A store key starts with {KEY_PREFIX!r}, as `pos-plugin sync key` prints it."
        )
    body = text[len(KEY_PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise SigningKeyError("The store key is not valid base64.") from None
    if len(raw) != 32:
        raise SigningKeyError("The store key has the wrong length for Ed25519 (32 bytes).")
    return Ed25519PublicKey.from_public_bytes(raw)


def key_id(public_text: str) -> str:
    """A short fingerprint that names a key in messages without showing all of it."""
    return hashlib.sha256(public_text.encode("ascii")).hexdigest()[:16]


def sign(key: Ed25519PrivateKey, data: bytes) -> str:
    return base64.b64encode(key.sign(data)).decode("ascii")


def verify(public: Ed25519PublicKey, data: bytes, signature: str) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        public.verify(base64.b64decode(signature, validate=True), data)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True
