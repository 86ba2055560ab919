"""Stores registered at head office: their signing key, the upload token for HTTPS, and
whether they are disabled."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pos_plugin.headoffice.models import RegisteredStore
from pos_plugin.secret_tokens import digest, new_token
from pos_plugin.services.errors import NotFound
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
    """The store whose upload token this is; a disabled store's token opens nothing."""
    query = select(RegisteredStore).where(
        RegisteredStore.token_sha256 == digest(token), RegisteredStore.disabled_at.is_(None)
    )
    return session.scalars(query).first()


def list_stores(session: Session) -> list[RegisteredStore]:
    return list(session.scalars(select(RegisteredStore).order_by(RegisteredStore.id)))


def set_disabled(session: Session, store_id: str, disabled: bool, now: datetime) -> RegisteredStore:
    """Disable a store (its upload token is refused from now on) or enable it again."""
    store = (
        session.get(RegisteredStore, store_id, with_for_update=True)
        if re.fullmatch(STORE_ID_PATTERN, store_id)
        else None
    )
    if store is None:
        raise NotFound(f"No store {store_id} is registered.", field="store_id")
    store.disabled_at = now if disabled else None
    session.flush()
    return store


class StoreListError(ValueError):
    """A stores file that cannot be registered; `problems` names each line at fault."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        super().__init__("\n".join(shown + ([f"... and {more} more"] if more else [])))
        self.problems = problems


STORE_LIST_HEADER = ["store_id", "key"]
MAX_PROBLEMS_SHOWN = 20


def read_store_list(source: str, lines: Iterable[str]) -> list[tuple[str, str]]:
    """(store id, key) of each line of a CSV file headed `store_id,key`, the key as
    `pos-plugin sync key` printed it; `StoreListError` naming every line at fault."""
    problems: list[str] = []
    found: list[tuple[str, str]] = []
    first_line: dict[str, int] = {}
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader, None)
        if header is None or [cell.strip() for cell in header] != STORE_LIST_HEADER:
            raise StoreListError([f"{source}, line 1: the header must be store_id,key"])
        for cells in reader:
            where = f"{source}, line {reader.line_num}"
            if not any(cell.strip() for cell in cells):
                continue  # a blank line
            if len(cells) != len(STORE_LIST_HEADER):
                problems.append(f"{where}: {len(cells)} cells, not 2 (store_id,key)")
                continue
            store_id, key = (cell.strip() for cell in cells)
            if not re.fullmatch(STORE_ID_PATTERN, store_id):
                problems.append(
                    f"{where}: store id {store_id[:40]!r} is not 1-40 lower-case letters, "
                    "digits and dashes"
                )
                continue
            if store_id in first_line:
                problems.append(f"{where}: {store_id} again (first on line {first_line[store_id]})")
                continue
            first_line[store_id] = reader.line_num
            try:
                signing.parse_public_key(key)
            except signing.SigningKeyError as error:
                problems.append(f"{where}: the key of {store_id}: {error}")
                continue
            found.append((store_id, key))
    except (csv.Error, UnicodeDecodeError) as error:
        problems.append(f"{source}, line {reader.line_num}: not a CSV file: {error}")
    if problems:
        raise StoreListError(problems)
    if not found:
        raise StoreListError([f"{source}: no stores in it"])
    return found


def add_stores(
    session: Session, entries: Iterable[tuple[str, str]], now: datetime
) -> list[Registration]:
    """Register (or re-key) every store of `entries` in the caller's one transaction."""
    return [add_store(session, store_id, key, now) for store_id, key in entries]
