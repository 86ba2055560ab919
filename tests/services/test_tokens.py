"""API tokens a manager keeps: created once, listed with their last use, revoked by id."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime, timedelta

import pytest

from pos_plugin.database import db
from pos_plugin.models import ApiToken, Role
from pos_plugin.services import tokens
from pos_plugin.services.errors import InvalidInput, NotAuthenticated, PermissionDenied

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)


def create(do, actor, name="front till", **extra):
    return do(tokens.create_token, actor, role=Role.TILL, name=name, now=NOW, **extra)


def last_used(do, manager, token_id):
    db.session.expire_all()  # read what the database holds, not what this session loaded
    [token] = [t for t in do(tokens.list_tokens, manager) if t.id == token_id]
    return token.last_used_at


def test_last_use_is_written_at_most_every_five_minutes(app_ctx, manager, do, count):
    token, secret = create(do, manager)
    assert last_used(do, manager, token.id) is None
    do(tokens.authenticate, secret, NOW)
    assert last_used(do, manager, token.id) == NOW
    do(tokens.authenticate, secret, NOW + timedelta(minutes=4))
    assert last_used(do, manager, token.id) == NOW
    do(tokens.authenticate, secret, NOW + timedelta(minutes=5))
    assert last_used(do, manager, token.id) == NOW + timedelta(minutes=5)


def test_last_use_is_written_from_a_read_too(app_ctx, manager, do):
    token, secret = create(do, manager)
    tokens.authenticate(secret, NOW)  # outside any write transaction, as a GET runs
    assert last_used(do, manager, token.id) == NOW


def test_a_revoked_token_is_refused_and_leaves_the_list(app_ctx, manager, do, audit_log):
    token, secret = create(do, manager)
    do(tokens.revoke_token, manager, token.id, NOW)
    with pytest.raises(NotAuthenticated):
        do(tokens.authenticate, secret, NOW)
    assert do(tokens.list_tokens, manager) == []
    [listed] = do(tokens.list_tokens, manager, include_revoked=True)
    assert listed.revoked_at == NOW
    assert [e.entity_id for e in audit_log("token.revoked")] == [str(token.id)]


def test_a_token_for_a_staff_member_acts_in_their_name(app_ctx, manager, do, make_staff):
    ana = make_staff(name="Ana")
    _, secret = do(
        tokens.create_token,
        manager,
        role=Role.BARISTA,
        name="Ana's tablet",
        now=NOW,
        staff_id=ana.id,
    )
    assert do(tokens.authenticate, secret, NOW).staff_id == ana.id


def test_a_manager_token_must_belong_to_a_manager(app_ctx, manager, do, make_staff):
    ana = make_staff(name="Ana")
    with pytest.raises(InvalidInput) as refused:
        do(tokens.create_token, manager, role=Role.MANAGER, name="x", now=NOW, staff_id=ana.id)
    assert refused.value.field == "role"


def test_a_barista_may_not_list_create_or_revoke_tokens(app_ctx, manager, barista, do, count):
    token, _ = create(do, manager)
    with pytest.raises(PermissionDenied):
        do(tokens.list_tokens, barista)
    with pytest.raises(PermissionDenied):
        do(tokens.revoke_token, barista, token.id, NOW)
    with pytest.raises(PermissionDenied):
        create(do, barista)
    assert count(ApiToken) == 1


def test_a_read_does_not_wait_for_another_process_holding_the_database(
    app_ctx, manager, do, backend, database_url
):
    if backend != "sqlite":
        pytest.skip("the file lock is SQLite's")
    token, secret = create(do, manager)
    other = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # as `pos-plugin sync export` would, in its own process
    try:
        started = time.monotonic()
        actor = tokens.authenticate(secret, NOW)
        waited = time.monotonic() - started
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert actor.token_id == token.id
    assert waited < 2
    assert last_used(do, manager, token.id) is None  # skipped; the next request writes it
