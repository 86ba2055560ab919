"""Who may use which door: every route of the app (pages and API) against every kind of caller.

The table names, for each route, the callers allowed through. A caller not
allowed never gets a 2xx and records nothing: an anonymous browser is sent to
sign-in (pages) or gets a 401 (API); a signed-in barista gets a 403; a bearer
token opens no page. An allowed caller is never refused for who they are (it
may still get a 404 or a 422 for the made-up ids and empty forms used here).
A route missing from the table fails the test, so a new door must be added.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from pos_plugin.database import db, write_transaction
from pos_plugin.models import AuditEvent, Role, Staff
from pos_plugin.services import comps, devices, playbook, tokens
from pos_plugin.services.actors import SYSTEM, Actor
from pos_plugin.services.comps import CompRequest
from pos_plugin.services.store import get_store
from pos_plugin.webhooks import endpoints

ANON, BARISTA, TILL, BARISTA_TOKEN, MANAGER = (
    "anonymous",
    "barista session",
    "till token",
    "barista token",
    "manager session",
)
CALLERS = (ANON, BARISTA, TILL, BARISTA_TOKEN, MANAGER)  # the manager last: its changes stick
SESSIONS = frozenset({BARISTA, MANAGER})
SIGNED_IN = frozenset({BARISTA, TILL, BARISTA_TOKEN, MANAGER})
TAPPERS = SIGNED_IN
READERS = frozenset({TILL, MANAGER})  # read comps
ONLY_MANAGER = frozenset({MANAGER})
PUBLIC = frozenset(CALLERS)

MANAGE_PAGES = [
    ("GET", "/manage"),
    ("GET", "/manage/live"),
    ("GET", "/manage/allowances"),
    ("POST", "/manage/allowances/override"),
    ("POST", "/manage/allowances/templates"),
    ("GET", "/manage/allowances/templates/{template}"),
    ("POST", "/manage/allowances/templates/{template}"),
    ("POST", "/manage/allowances/templates/{template}/deactivate"),
    ("GET", "/manage/audit"),
    ("GET", "/manage/catalog"),
    ("POST", "/manage/catalog"),
    ("GET", "/manage/catalog/{item}"),
    ("POST", "/manage/catalog/{item}"),
    ("POST", "/manage/catalog/{item}/down"),
    ("POST", "/manage/catalog/{item}/up"),
    ("POST", "/manage/catalog/{item}/retire"),
    ("POST", "/manage/catalog/{item}/restore"),
    ("GET", "/manage/delight"),
    ("GET", "/manage/devices"),
    ("POST", "/manage/devices"),
    ("POST", "/manage/devices/{device}/unlock"),
    ("POST", "/manage/devices/{device}/revoke"),
    ("GET", "/manage/webhooks"),
    ("POST", "/manage/webhooks"),
    ("POST", "/manage/webhooks/{webhook}/remove"),
    ("POST", "/manage/delight/{comp}/star"),
    ("POST", "/manage/delight/{comp}/unstar"),
    ("GET", "/manage/health"),
    ("POST", "/manage/health/print-jobs/1/reprint"),
    ("GET", "/manage/playbook"),
    ("POST", "/manage/playbook"),
    ("GET", "/manage/playbook/{breakdown}"),
    ("POST", "/manage/playbook/{breakdown}"),
    ("POST", "/manage/playbook/{breakdown}/approve"),
    ("POST", "/manage/playbook/{breakdown}/decline"),
    ("POST", "/manage/playbook/{breakdown}/retire"),
    ("GET", "/manage/reports"),
    ("GET", "/manage/reports.csv"),
    ("GET", "/manage/staff"),
    ("POST", "/manage/staff"),
    ("GET", "/manage/staff/{ana}"),
    ("POST", "/manage/staff/{ana}/pin"),
    ("POST", "/manage/staff/{ana}/password"),
    ("POST", "/manage/staff/{ana}/deactivate"),
    ("POST", "/manage/staff/{ana}/reactivate"),
    ("POST", "/manage/staff/{ana}/unlock"),
    ("POST", "/manage/staff/{ana}/sessions/end"),
    ("POST", "/manage/tokens"),
    ("POST", "/manage/tokens/{token}/revoke"),
]

# method, path, who may, JSON body
API: list[tuple[str, str, frozenset[str], dict[str, Any] | None]] = [
    ("GET", "/api/v1/catalog", SIGNED_IN, None),
    ("GET", "/api/v1/shifts/current", SIGNED_IN, None),
    (
        "PATCH",
        "/api/v1/shifts/current",
        ONLY_MANAGER,
        {"allowance": {"amount": 900, "currency": "EUR"}, "max_comps": None, "reason": "Busy"},
    ),
    ("POST", "/api/v1/comps", TAPPERS, {"item_id": "{item}"}),
    ("GET", "/api/v1/comps", READERS, None),
    ("GET", "/api/v1/comps/{comp}", READERS, None),
    ("GET", "/api/v1/comps/{comp}/receipt", READERS, None),
    # Zed's comp: a barista undoes only their own, a till none.
    ("POST", "/api/v1/comps/{comp}/void", ONLY_MANAGER, {"reason": "Wrong item"}),
    ("GET", "/api/v1/print-jobs", ONLY_MANAGER, None),
    ("POST", "/api/v1/print-jobs/1/retry", ONLY_MANAGER, None),
    ("GET", "/api/v1/printer", SIGNED_IN, None),
    ("GET", "/api/v1/breakdowns", SIGNED_IN, None),
    ("GET", "/api/v1/breakdowns?status=proposed", ONLY_MANAGER, None),
    ("POST", "/api/v1/breakdowns", TAPPERS, {"title": "Milk ran out {n}", "recovery": "Sorry"}),
]

OTHER_PAGES = [
    ("GET", "/healthz", PUBLIC),
    ("GET", "/api/v1/openapi.json", PUBLIC),
    ("GET", "/signin", PUBLIC),
    ("GET", "/tablet", SESSIONS),
    ("POST", "/tablet/approvals", SESSIONS),
]
# Sign-in itself, and the static files, are for everyone and change no store data.
# /readyz answers anyone, 503 on these tests' databases (made without migrations):
# tests/api/test_health.py holds it.
NOT_IN_TABLE = {("POST", "/signin"), ("POST", "/signout"), ("POST", "/switch"), ("GET", "/readyz")}


_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def csrf_from(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page carries no CSRF token"
    return found.group(1)


@dataclass
class Caller:
    client: FlaskClient
    headers: dict[str, str]
    csrf: str | None = None


@pytest.fixture
def ids(app: Flask, make_item, make_staff, make_template, clock) -> dict[str, Any]:
    """Records for the paths: Ana (a barista), Zed (whose comp it is), a manager, a token..."""
    make_template(1, time(8), time(12))
    item = make_item(value=10)
    ana = make_staff(Role.BARISTA, name="Ana", pin="1111")
    zed = make_staff(Role.BARISTA, name="Zed", pin="2222")
    make_staff(Role.MANAGER, name="Maya", pin="9999")
    with app.app_context(), write_transaction():
        zed_actor = Actor(role=Role.BARISTA, label="Zed", staff_id=zed.id)
        comp = comps.record_comp(
            zed_actor, get_store(), CompRequest(item_id=item.id, note="Enjoy!"), clock.now
        ).comp
        breakdown = playbook.propose(
            SYSTEM,
            title="Wi-Fi down",
            recovery="",
            suggested_item_id=None,
            proposed_by_id=None,
            now=clock.now,
        )
        spare, _ = tokens.create_token(SYSTEM, role=Role.TILL, name="spare", now=clock.now)
        tablet, _ = devices.enrol(SYSTEM, "Back", clock.now)
        hook, _ = endpoints.add_endpoint(
            SYSTEM, "http://127.0.0.1:9/hooks", "comp.created", clock.now
        )
    return {
        "webhook": hook.id,
        "device": tablet.id,
        "template": 1,
        "item": item.id,
        "ana": ana.id,
        "comp": comp.id,
        "breakdown": breakdown.id,
        "token": spare.id,
    }


def _signed_in(app: Flask, staff_name: str, pin: str) -> Caller:
    client = app.test_client()
    with app.app_context():
        staff_id = db.session.scalar(select(Staff.id).where(Staff.name == staff_name))
    token = csrf_from(client.get(f"/signin?staff={staff_id}").get_data(as_text=True))
    answer = client.post("/signin", data={"csrf_token": token, "staff_id": staff_id, "pin": pin})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    page = client.get("/signin").get_data(as_text=True)
    return Caller(client, {}, csrf_from(page))


@pytest.fixture
def callers(app: Flask, ids, make_token) -> dict[str, Caller]:
    till = make_token(Role.TILL, name="front till")
    own = make_token(Role.BARISTA, name="Ana's tablet", staff_id=ids["ana"])
    stranger = app.test_client()  # it may load a page, so it holds a CSRF token
    stranger_csrf = csrf_from(stranger.get("/signin").get_data(as_text=True))
    return {
        ANON: Caller(stranger, {}, stranger_csrf),
        BARISTA: _signed_in(app, "Ana", "1111"),
        TILL: Caller(app.test_client(), {"Authorization": f"Bearer {till}"}),
        BARISTA_TOKEN: Caller(app.test_client(), {"Authorization": f"Bearer {own}"}),
        MANAGER: _signed_in(app, "Maya", "9999"),
    }


def _fill(path: str, ids: dict[str, Any]) -> str:
    return path.format(**ids)


def _send(caller: Caller, method: str, path: str, body: Any, n: int) -> Any:
    headers = dict(caller.headers)
    if method != "GET" and caller.csrf is not None:
        headers["X-CSRFToken"] = caller.csrf
    if path.startswith("/api/") or path.startswith("/tablet/approvals"):
        headers["Idempotency-Key"] = f"perm-{n}-{uuid.uuid4()}"
        if method == "GET":
            return caller.client.get(path, headers=headers)
        return caller.client.open(path, method=method, json=body or {}, headers=headers)
    data = {"csrf_token": caller.csrf} if method != "GET" and caller.csrf else {}
    return caller.client.open(path, method=method, data=data, headers=headers)


def _audit_rows(app: Flask) -> int:
    with app.app_context():
        try:
            return db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        finally:
            db.session.remove()


def _check(
    app: Flask,
    callers: dict[str, Caller],
    method: str,
    path: str,
    allowed: frozenset[str],
    body: Any,
    refused_as: Callable[[str, Any], None],
) -> None:
    for n, name in enumerate(CALLERS):
        before = _audit_rows(app)
        filled = body
        if isinstance(body, dict):
            filled = {k: (v.format(n=n) if isinstance(v, str) else v) for k, v in body.items()}
        answer = _send(callers[name], method, path, filled, n)
        where = f"{method} {path} as {name}: {answer.status_code}"
        assert answer.status_code < 500, where
        if name in allowed:
            assert answer.status_code not in (401, 403), where
            assert "/signin" not in answer.headers.get("Location", ""), where
        else:
            assert not 200 <= answer.status_code < 300, where
            refused_as(name, answer)
            assert _audit_rows(app) == before, f"{where} recorded something"


def _page_refusal(name: str, answer: Any) -> None:
    if name == BARISTA:
        assert answer.status_code == 403
    else:  # anonymous, and bearer tokens (which open no browser session)
        assert answer.status_code == 302
        assert "/signin" in answer.headers["Location"]


def _api_refusal(name: str, answer: Any) -> None:
    assert answer.status_code == (401 if name == ANON else 403)


@pytest.mark.parametrize(
    ("method", "path"), MANAGE_PAGES, ids=[f"{m} {p}" for m, p in MANAGE_PAGES]
)
def test_console_pages_are_for_managers_only(app, callers, ids, method, path):
    _check(app, callers, method, _fill(path, ids), ONLY_MANAGER, None, _page_refusal)


@pytest.mark.parametrize(
    ("method", "path", "allowed", "body"), API, ids=[f"{m} {p}" for m, p, _, _ in API]
)
def test_api_routes_answer_only_the_roles_allowed(app, callers, ids, method, path, allowed, body):
    if isinstance(body, dict):
        body = {k: (ids["item"] if v == "{item}" else v) for k, v in body.items()}
    _check(app, callers, method, _fill(path, ids), allowed, body, _api_refusal)


@pytest.mark.parametrize(
    ("method", "path", "allowed"), OTHER_PAGES, ids=[f"{m} {p}" for m, p, _ in OTHER_PAGES]
)
def test_the_other_doors(app, callers, ids, method, path, allowed):
    def refused(name: str, answer: Any) -> None:
        assert answer.status_code in (302, 401, 403)

    _check(app, callers, method, path, allowed, {}, refused)


def test_the_table_covers_every_route(app):
    listed = {(m, p.split("?")[0]) for m, p in MANAGE_PAGES}
    listed |= {(m, p.split("?")[0]) for m, p, _, _ in API}
    listed |= {(m, p) for m, p, _ in OTHER_PAGES} | NOT_IN_TABLE
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "web.static"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            path = rule.rule
            for name, value in {
                "<int:template_id>": "{template}",
                "<int:item_id>": "{item}",
                "<uuid:comp_id>": "{comp}",
                "<int:breakdown_id>": "{breakdown}",
                "<int:staff_id>": "{ana}",
                "<int:token_id>": "{token}",
                "<int:device_id>": "{device}",
                "<int:endpoint_id>": "{webhook}",
                "<int(min=1, max=2147483647):job_id>": "1",
                "<int:job_id>": "1",
            }.items():
                path = path.replace(name, value)
            found.add((method, path))
    assert found - listed == set(), "routes missing from the permission table"
