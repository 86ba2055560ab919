"""Random tokens handed to a client once and kept only as a hash: API tokens, enrolled
tablets, signed-in browsers, head office's upload tokens.

The tokens are long random secrets, so a fast hash is enough: a request finds its
row with one indexed lookup, and a copied database opens nothing.
"""

from __future__ import annotations

import hashlib
import secrets


def new_token(prefix: str = "") -> str:
    """A new secret for a client: 32 random bytes, URL-safe, after `prefix`."""
    return prefix + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What the database keeps of a token (sha256, hex)."""
    return hashlib.sha256(token.encode()).hexdigest()
