"""Who is calling, from where, and when: a bearer token or a signed-in browser, as an `Actor`.

The API and the pages both ask; neither imports the other for it. A signed-in
browser's cookie holds the token of a session the server keeps
(`services.sessions`), the role it signed in with, and when it was last active.
Each use reads the session and its person, so a session the server ended, or a
person deactivated or in another role, is signed out at once. The tablet's own
polling (GET requests to the API) does not count as activity: an idle tablet
times out. An enrolled tablet carries its own cookie (`TABLET_COOKIE`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, g, request, session
from flask_babel import lazy_gettext as _l

from pos_plugin.models import Role, Staff
from pos_plugin.services import devices, sessions, signin, tokens
from pos_plugin.services.actors import Actor
from pos_plugin.services.devices import Place
from pos_plugin.services.errors import NotAuthenticated

SESSION_KEY = "staff"
TABLET_COOKIE = "pos_tablet"


def place() -> Place:
    """Where this request comes from: its enrolled tablet, or its client address."""
    if "place" not in g:
        g.place = devices.place_of(request.cookies.get(TABLET_COOKIE), request.remote_addr)
    found: Place = g.place
    return found


def start_session(staff: Staff) -> None:
    """Make this browser `staff`'s, in a session the server records (inside a write
    transaction); anything a previous person left in the cookie goes."""
    here = place()
    token = sessions.start(staff, here.device, here.address, now())
    session.clear()
    session[SESSION_KEY] = {"sid": token, "role": staff.role.value, "seen": now().timestamp()}
    g.pop("session_actor", None)
    g.pop("signed_in_staff", None)


def end_session() -> None:
    """Sign the person out here and everywhere else (inside a write transaction)."""
    actor = session_actor()
    if actor is not None and actor.staff_id is not None:
        sessions.end_all(actor.staff_id, now(), "signed out")
    forget_session()


def forget_session() -> None:
    """This browser no longer names a session (the server's record is untouched)."""
    session.pop(SESSION_KEY, None)
    g.pop("session_actor", None)
    g.pop("signed_in_staff", None)


def session_actor() -> Actor | None:
    """The signed-in staff member as an `Actor`, or None (never signed in, timed out, ended)."""
    if "session_actor" in g:
        cached: Actor | None = g.session_actor
        return cached
    g.session_actor = _load()
    return g.session_actor


def _load() -> Actor | None:
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    moment = now()
    try:
        role = Role(data["role"])
        seen = datetime.fromtimestamp(float(data["seen"]), UTC)
        record = sessions.find(str(data["sid"]), moment)
    except (KeyError, ValueError, TypeError):
        forget_session()
        return None
    staff = record.staff if record is not None else None
    if staff is None or not staff.active or staff.role is not role:
        forget_session()
        return None
    if signin.session_expired(role, seen, moment):
        forget_session()
        g.session_timed_out = True
        return None
    # Polling (the tablet's API reads, the console's self-refreshing panels) is not activity.
    polling = request.method == "GET" and (
        request.path.startswith("/api/") or request.headers.get("X-Background") == "1"
    )
    if not polling:
        data["seen"] = moment.timestamp()
        session.modified = True
    g.signed_in_staff = staff
    return signin.actor_for(staff)


def signed_in_staff() -> Staff | None:
    """The signed-in staff member's row (for their name on the page), or None."""
    if session_actor() is None:
        return None
    staff: Staff = g.signed_in_staff
    return staff


def current_actor() -> Actor:
    """The token's actor; without an Authorization header, the signed-in browser's.

    A browser session's writes were CSRF-checked before the view ran
    (`web.security`); a request with a bad header never falls back to the session.
    """
    header = request.headers.get("Authorization")
    if header is None:
        actor = session_actor()
        if actor is not None:
            return actor
        header = ""
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise NotAuthenticated(
            _l(
                "Send 'Authorization: Bearer <token>' (`pos-plugin token create` makes one), "
                "or sign in on the tablet."
            )
        )
    return tokens.authenticate(secret.strip(), now())


def now() -> datetime:
    """The request's clock (tests swap it to cross the undo window or midnight)."""
    clock = current_app.config["POS_PLUGIN_CLOCK"]
    result: datetime = clock()
    return result
