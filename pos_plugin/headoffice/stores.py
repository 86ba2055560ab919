"""Stores registered at head office: their signing key, and the upload token for HTTPS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pos_plugin.headoffice.models import RegisteredStore
from pos_plugin.secret_tokens import digest, new_token
from pos_plugin.sync import signing

TOKEN_PREFIX = "ho_"
STORE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"


@dataclass(frozen=True)
class Registration:
    store: RegisteredStore
    token: str
    replaced_key: bool


def add_store(session: Session, store_id: str, public_key: str, now: datetime) -> Registration:
    """Register (or re-key) a store; returns a new upload token, shown only this once.

    `signing.SigningKeyError` when the key is not one `sync key` printed.
    """
    signing.parse_public_key(public_key)
    token = new_token(TOKEN_PREFIX)
    store = session.get(RegisteredStore, store_id, with_for_update=True)
    replaced = store is not None and store.public_key != public_key
    if store is None:
        store = RegisteredStore(id=store_id, registered_at=now)
        session.add(store)
    store.public_key = public_key
    store.key_id = signing.key_id(public_key)
    store.token_sha256 = digest(token)
    session.flush()
    return Registration(store=store, token=token, replaced_key=replaced)


def by_token(session: Session, token: str) -> RegisteredStore | None:
    query = select(RegisteredStore).where(RegisteredStore.token_sha256 == digest(token))
    return session.scalars(query).first()
