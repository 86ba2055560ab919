"""The signed-in browser session: who is at this tablet, their idle timeout, the page guard.

The cookie holds the staff id, role and when they were last active. Each use
re-reads the staff row (one primary-key lookup), so a staff member who was
deactivated or changed role is signed out at once. The tablet's own polling
(GET requests to the API) does not count as activity: an idle tablet times out.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import current_app, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from pos_plugin.database import db
from pos_plugin.models import Role, Staff
from pos_plugin.services import signin
from pos_plugin.services.actors import Actor

F = TypeVar("F", bound=Callable[..., ResponseReturnValue])

SESSION_KEY = "staff"


def _now() -> datetime:
    clock = current_app.config["POS_PLUGIN_CLOCK"]
    moment: datetime = clock()
    return moment


def start(staff: Staff) -> None:
    """Make this browser `staff`'s: anything a previous person left in the session goes."""
    session.clear()
    session[SESSION_KEY] = {
        "id": staff.id,
        "role": staff.role.value,
        "seen": _now().timestamp(),
    }
    g.pop("session_actor", None)
    g.pop("signed_in_staff", None)


def end() -> None:
    session.pop(SESSION_KEY, None)
    g.pop("session_actor", None)
    g.pop("signed_in_staff", None)


def session_actor() -> Actor | None:
    """The signed-in staff member as an `Actor`, or None (never signed in, timed out, gone)."""
    if "session_actor" in g:
        cached: Actor | None = g.session_actor
        return cached
    g.session_actor = _load()
    return g.session_actor


def _load() -> Actor | None:
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    now = _now()
    try:
        role = Role(data["role"])
        seen = datetime.fromtimestamp(float(data["seen"]), UTC)
        staff = db.session.get(Staff, int(data["id"]))
    except (KeyError, ValueError, TypeError):
        end()
        return None
    if staff is None or not staff.active or staff.role is not role:
        end()
        return None
    if signin.session_expired(role, seen, now):
        end()
        g.session_timed_out = True
        return None
    # Polling (the tablet's API reads, the console's self-refreshing panels) is not activity.
    polling = request.method == "GET" and (
        request.path.startswith("/api/") or request.headers.get("X-Background") == "1"
    )
    if not polling:
        data["seen"] = now.timestamp()
        session.modified = True
    g.signed_in_staff = staff
    return signin.actor_for(staff)


def signed_in_staff() -> Staff | None:
    """The signed-in staff member's row (for their name on the page), or None."""
    if session_actor() is None:
        return None
    staff: Staff = g.signed_in_staff
    return staff


def safe_next(target: str | None) -> str | None:
    """A `next` to go back to after signing in: a path on this site, never another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


def signed_in(*roles: Role) -> Callable[[F], F]:
    """Guard a page: anonymous visitors go to sign-in (and come back), other roles get a 403."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            actor = session_actor()
            if actor is None:
                role = "manager" if roles == (Role.MANAGER,) else None
                target = request.full_path if request.query_string else request.path
                return redirect(url_for("web.signin", next=target, role=role))
            if roles and actor.role not in roles:
                return render_template("error.html", status=403), 403
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
