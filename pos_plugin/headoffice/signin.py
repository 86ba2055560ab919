"""Signing in to head office's pages: a name and a password, lockout, server-side sessions.

Every try is kept (`SignInTry`). Five wrong tries for one person within 15 minutes
lock that person for 15 minutes after the last of them, from anywhere; ten wrong
tries from one address lock that address, whatever names it tries (the rule and its
times are the store's, `services/lockout.py`). While locked a try is refused without
checking the password, so guessing gains nothing.

The address (an advisory lock on PostgreSQL; SQLite's write transaction runs alone)
and then the person's row are locked before anything is counted, so tries run one at
a time and a burst of parallel tries checks no more passwords than the limit. The
caller owns the transaction and must commit the refusals too: the outcome is returned.

A session is a random token in the browser's (signed) cookie and its hash here. It ends
at sign-out, with a new password, role or removal, after `IDLE` without a request,
and after `LIFETIME` whatever the activity.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from pos_plugin.headoffice.models import SignInTry, User, UserRole, UserSession
from pos_plugin.headoffice.users import clean_name
from pos_plugin.passwords import hash_secret, verify_secret
from pos_plugin.secret_tokens import digest, new_token
from pos_plugin.services.errors import (
    DomainError,
    InvalidInput,
    SignInLocked,
    WrongCredentials,
)
from pos_plugin.services.lockout import LOOK_BACK, lock_end, serialise_on

USER_MAX_FAILURES = 5
ADDRESS_MAX_FAILURES = 10
IDLE = {UserRole.VIEWER: timedelta(minutes=30), UserRole.ADMIN: timedelta(minutes=15)}
LIFETIME = {UserRole.VIEWER: timedelta(hours=10), UserRole.ADMIN: timedelta(hours=4)}
# How stale "last seen" may get before a request writes it again.
TOUCH_EVERY = timedelta(minutes=1)


@functools.cache
def _nobody() -> str:
    """Checked when the name is nobody's, so a wrong name takes as long as a wrong password."""
    return hash_secret("nobody signs in with this")


@dataclass(frozen=True)
class SignInOutcome:
    user: User | None
    token: str | None = None
    refusal: DomainError | None = None


def sign_in(
    session: Session, name: str, password: str, address: str, now: datetime
) -> SignInOutcome:
    """Check one try of `password` for `name` from `address`; record it; on success a
    new session whose token is for the browser's cookie."""
    serialise_on(session, f"headoffice-signin:{address}")
    try:
        name = clean_name(name)
    except InvalidInput:
        user = None  # nobody is called that; the try still counts against the address
    else:
        user = session.scalars(select(User).where(User.name == name).with_for_update()).first()
    locked = _lock_in_force(session, user, address, now)
    if locked is not None:
        return SignInOutcome(None, refusal=locked)
    ok = verify_secret(user.password_hash if user else _nobody(), password) and user is not None
    session.add(SignInTry(user_id=user.id if user else None, address=address, at=now, succeeded=ok))
    session.flush()
    if ok and user is not None:
        return SignInOutcome(user, token=_start(session, user, address, now))
    locked = _lock_in_force(session, user, address, now)
    return SignInOutcome(
        None,
        refusal=locked
        or WrongCredentials("That name and password do not match.", field="password"),
    )


def _start(session: Session, user: User, address: str, now: datetime) -> str:
    token = new_token()
    session.add(
        UserSession(
            token_hash=digest(token),
            user_id=user.id,
            address=address,
            started_at=now,
            last_seen_at=now,
        )
    )
    session.flush()
    return token


def find(session: Session, token: str, now: datetime) -> User | None:
    """The person whose live session `token` names (and the session marked seen), or None:
    unknown, signed out, idle too long or past its lifetime."""
    found = session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == digest(token))
    ).first()
    if found is None:
        return None
    record, user = found
    if record.ended_at is not None:
        return None
    if now - record.started_at > LIFETIME[user.role] or now - record.last_seen_at > IDLE[user.role]:
        record.ended_at = now
        record.ended_why = "timed out"
        return None
    if now - record.last_seen_at >= TOUCH_EVERY:
        session.execute(
            update(UserSession).where(UserSession.id == record.id).values(last_seen_at=now)
        )
    return user


def sign_out(session: Session, token: str, now: datetime) -> None:
    """The session `token` names ends here, on the server: a copied cookie stops working."""
    session.execute(
        update(UserSession)
        .where(UserSession.token_hash == digest(token), UserSession.ended_at.is_(None))
        .values(ended_at=now, ended_why="signed out")
    )


def _failures(
    where: ColumnElement[bool], limit: int, now: datetime, session: Session
) -> datetime | None:
    recent = session.scalars(
        select(SignInTry.at)
        .where(where, SignInTry.succeeded.is_(False), SignInTry.at > now - LOOK_BACK)
        .order_by(SignInTry.at.desc())
        .limit(limit)
    ).all()
    return lock_end(recent, limit, now)


def _lock_in_force(
    session: Session, user: User | None, address: str, now: datetime
) -> SignInLocked | None:
    until = _failures(SignInTry.address == address, ADDRESS_MAX_FAILURES, now, session)
    why = "from this address"
    if until is None and user is not None:
        where = SignInTry.user_id == user.id
        # Wrong tries before the last success or a new password no longer count.
        last_success = session.scalar(
            select(SignInTry.id)
            .where(SignInTry.user_id == user.id, SignInTry.succeeded.is_(True))
            .order_by(SignInTry.id.desc())
            .limit(1)
        )
        if last_success is not None:
            where = where & (SignInTry.id > last_success)
        if user.unlocked_at is not None:
            where = where & (SignInTry.at > user.unlocked_at)
        until = _failures(where, USER_MAX_FAILURES, now, session)
        why = "for this name"
    if until is None:
        return None
    return SignInLocked(
        f"Too many wrong tries {why}: signing in is locked until "
        f"{until.strftime('%H:%M')} UTC. An admin can set a new password meanwhile.",
        locked_until=until.isoformat(),
        retry_after=max(1, int((until - now).total_seconds())),
    )
