"""Head office's people: who may sign in to the reports, as a viewer or an admin.

Plain functions on the caller's session (the caller owns the transaction). A new
password, a new role and removal end every session of that person at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pos_plugin.headoffice.models import User, UserRole, UserSession
from pos_plugin.passwords import hash_secret
from pos_plugin.services.errors import InvalidInput, NotFound
from pos_plugin.services.staff import PASSWORD_MAX, PASSWORD_MIN
from pos_plugin.services.text_input import required_text

NAME_MAX = 80


def add_user(session: Session, name: str, role: UserRole, password: str, now: datetime) -> User:
    """A new person who may sign in; `InvalidInput` for a taken name or a weak password."""
    name = clean_name(name)
    if _by_name(session, name) is not None:
        raise InvalidInput(f"There is already someone called {name!r}.", field="name")
    user = User(name=name, role=role, password_hash=hash_secret(_checked(password)), created_at=now)
    session.add(user)
    session.flush()
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


def get_user(session: Session, name: str) -> User:
    user = _by_name(session, clean_name(name))
    if user is None:
        raise NotFound(f"Nobody called {name!r} signs in to head office.", field="name")
    return user


def set_password(session: Session, name: str, password: str, now: datetime) -> User:
    """A new password: every session of the person ends, and their wrong tries are forgiven."""
    user = get_user(session, name)
    user.password_hash = hash_secret(_checked(password))
    user.unlocked_at = now
    end_sessions(session, user.id, now, "new password")
    return user


def set_role(session: Session, name: str, role: UserRole, now: datetime) -> User:
    user = get_user(session, name)
    if user.role is not role:
        _keep_an_admin(session, user)
        user.role = role
        end_sessions(session, user.id, now, "new role")
    return user


def remove_user(session: Session, name: str) -> None:
    """The person can no longer sign in; their sessions and tries go with them."""
    user = get_user(session, name)
    _keep_an_admin(session, user)
    session.delete(user)
    session.flush()


def end_sessions(session: Session, user_id: int, now: datetime, why: str) -> int:
    """End every live session of one person; how many there were."""
    live = session.scalars(
        select(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    ).all()
    for record in live:
        record.ended_at = now
        record.ended_why = why
    session.flush()
    return len(live)


def clean_name(name: str) -> str:
    """A person's name as kept; `InvalidInput` for an empty, dirty or overlong one."""
    return required_text(name, field="name", max_length=NAME_MAX, empty="Give the person a name.")


def _by_name(session: Session, name: str) -> User | None:
    return session.scalars(select(User).where(User.name == name)).first()


def _checked(password: str) -> str:
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise InvalidInput(
            f"Use a password of {PASSWORD_MIN} to {PASSWORD_MAX} characters.", field="password"
        )
    return password


def _keep_an_admin(session: Session, user: User) -> None:
    """The last admin stays one: without an admin nobody could manage stores from the pages."""
    if user.role is not UserRole.ADMIN:
        return
    # Locked, so two admins demoting each other at once cannot leave none.
    admins = session.scalars(
        select(User.id).where(User.role == UserRole.ADMIN).with_for_update()
    ).all()
    if len(admins) <= 1:
        raise InvalidInput(
            f"{user.name} is the only admin: make someone else an admin first.", field="name"
        )
