"""Argon2 hashes of the secrets people type: staff PINs, managers' and head office's passwords.

The test suite hashes with argon2's cheapest profile: at production cost its sign-in and
permission tests took four times as long (235 s against 56 s). A stored hash carries its
own parameters, so either hasher verifies the other's.
"""

from __future__ import annotations

import os

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

CHEAP_HASHES_FOR_TESTS = "POS_PLUGIN_CHEAP_HASHES_FOR_TESTS"
_hasher = (
    PasswordHasher.from_parameters(profiles.CHEAPEST)
    if os.environ.get(CHEAP_HASHES_FOR_TESTS) == "1"
    else PasswordHasher()  # argon2-cffi's default: RFC 9106's low-memory profile
)


def hash_secret(secret: str) -> str:
    """An Argon2 hash of a PIN or password, with its parameters in it."""
    return _hasher.hash(secret)


def verify_secret(stored: str | None, secret: str) -> bool:
    """Whether `secret` is the one `stored` hashes; never for no hash or a damaged one."""
    if stored is None:
        return False
    try:
        return _hasher.verify(stored, secret)
    except (VerificationError, InvalidHashError):
        return False
