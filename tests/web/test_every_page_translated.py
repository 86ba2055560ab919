"""A German or French store shows no English: every page of the tablet and the console, each
report tab, the CSV, sign-in refusals and a lock-out, and the API's errors, each checked
against the catalogue's own list of the English messages it translates (`english_left`)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient

from pos_plugin import create_app
from pos_plugin.database import db, write_transaction
from pos_plugin.demo import seed_if_empty
from pos_plugin.models import (
    Breakdown,
    CatalogItem,
    Comp,
    CompStatus,
    Role,
    Shift,
    ShiftTemplate,
    Staff,
)
from pos_plugin.money import Money
from pos_plugin.services import delight, devices, reports, shifts, tokens
from pos_plugin.services.actors import SYSTEM
from pos_plugin.services.store import apply_settings
from pos_plugin.webhooks.endpoints import add_endpoint

LOCALES = {"de": "de_DE", "fr": "fr_FR"}
MANAGER_PIN = "9999"  # the demo's Maya
BARISTA_PIN = "1111"  # the demo's Ana


class TranslatedStore:
    """The demo store in one language, with a record of every kind the console shows."""

    def __init__(self, language: str, tmp_path, settings_for, clock) -> None:
        self.language = language
        settings = settings_for(
            tmp_path / "home", f"sqlite:///{tmp_path / 'store.db'}", locale=LOCALES[language]
        )
        self.app = create_app({"SETTINGS": settings, "TESTING": True, "POS_PLUGIN_CLOCK": clock})
        with self.app.app_context():
            db.create_all()
            with write_transaction():
                store = apply_settings(settings, SYSTEM, clock.now)
                seed_if_empty(store, SYSTEM, clock.now, days=3)
                shifts.override_current(
                    SYSTEM, store, Money(2500, store.currency), 30, clock.now, reason="+"
                )
                devices.enrol(SYSTEM, "T1", clock.now)
                add_endpoint(SYSTEM, "https://example.org/hooks", "comp.created", clock.now)
                story = db.session.scalars(
                    db.select(Comp).where(Comp.note.is_not(None), Comp.status == CompStatus.ACTIVE)
                ).first()
                delight.star(SYSTEM, story.id, clock.now)
                _, self.till_token = tokens.create_token(
                    SYSTEM, name="T", role=Role.TILL, now=clock.now
                )

            def first(column: Any, *where: Any) -> Any:
                return db.session.scalars(db.select(column).where(*where)).first()

            self.ids = {
                "item": first(CatalogItem.id),
                "template": first(ShiftTemplate.id),
                "breakdown": first(Breakdown.id),
                "manager": first(Staff.id, Staff.role == Role.MANAGER),
                "barista": first(Staff.id, Staff.role == Role.BARISTA),
            }

    def typed(self) -> list[str]:
        """Every text a person typed into the store (demo names, notes, playbook entries)."""
        columns = (
            CatalogItem.name,
            ShiftTemplate.name,
            Shift.name,
            Breakdown.title,
            Breakdown.recovery,
            Comp.note,
            Comp.customer_name,
            Comp.reason,
            Comp.void_reason,
            Staff.name,
        )
        with self.app.app_context():
            found = [text for column in columns for text in db.session.scalars(db.select(column))]
            notes = db.session.scalars(db.select(CatalogItem.suggested_notes))
            found += [note for listed in notes for note in listed]
        return sorted({text for text in found if text})

    def signed_in(self, csrf_of, who: str, pin: str) -> FlaskClient:
        browser = self.app.test_client()
        staff_id = self.ids[who]
        token = csrf_of(browser, f"/signin?staff={staff_id}")
        browser.post("/signin", data={"csrf_token": token, "staff_id": staff_id, "pin": pin})
        return browser

    def dispose(self) -> None:
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(params=sorted(LOCALES))
def translated(request, tmp_path, settings_for, clock):
    store = TranslatedStore(request.param, tmp_path, settings_for, clock)
    yield store
    store.dispose()


def console_pages(ids: dict[str, int]) -> list[str]:
    tabs = [
        f"/manage/reports?report={name}&days={days}"
        for name in reports.REPORTS
        for days in reports.PERIODS
    ]
    return [
        "/manage",
        "/manage/live",
        "/manage/allowances",
        f"/manage/allowances/templates/{ids['template']}",
        "/manage/catalog",
        f"/manage/catalog/{ids['item']}",
        "/manage/devices",
        "/manage/staff",
        f"/manage/staff/{ids['manager']}",
        f"/manage/staff/{ids['barista']}",
        "/manage/playbook",
        f"/manage/playbook/{ids['breakdown']}",
        *tabs,
        "/manage/reports.csv?report=day&days=7",
        "/manage/reports.csv?report=barista&days=30",
        "/manage/delight",
        "/manage/webhooks",
        "/manage/health",
        "/manage/audit",
        "/manage/audit?action=comp.voided",
        "/manage/audit?start=2026-12-01&end=2026-11-01",
        "/manage/no-such-page",
    ]


def test_every_page_reads_in_the_store_language(translated, csrf_of, english_left):
    language = translated.language
    manager = translated.signed_in(csrf_of, "manager", MANAGER_PIN)
    barista = translated.signed_in(csrf_of, "barista", BARISTA_PIN)
    pages: dict[str, Any] = {
        "/signin": translated.app.test_client().get("/signin"),
        "/signin?staff": translated.app.test_client().get(
            f"/signin?staff={translated.ids['barista']}"
        ),
        "/signin?role=manager": translated.app.test_client().get(
            f"/signin?role=manager&staff={translated.ids['manager']}&with=password"
        ),
        "/tablet": barista.get("/tablet"),
    }
    pages |= {url: manager.get(url) for url in console_pages(translated.ids)}
    typed = translated.typed()
    found = {
        url: english_left(language, page.get_data(as_text=True), typed)
        for url, page in pages.items()
    }
    assert {url: left for url, left in found.items() if left} == {}
    assert [url for url, page in pages.items() if page.status_code >= 500] == []


def test_sign_in_refusals_and_a_lock_out_read_in_the_store_language(
    translated, csrf_of, english_left
):
    browser = translated.app.test_client()
    staff_id = translated.ids["barista"]
    said = []
    for _ in range(4):  # a browser that is not a tablet is locked after three wrong tries
        token = csrf_of(browser, f"/signin?staff={staff_id}")
        answer = browser.post(
            "/signin", data={"csrf_token": token, "staff_id": staff_id, "pin": "0000"}
        )
        said.append(answer.get_data(as_text=True))
    assert all(english_left(translated.language, page) == [] for page in said)
    assert "15:15" in said[-1] or "10:15" in said[-1]  # the store's time, Babel's short form


def test_every_api_error_reads_in_the_store_language(translated, english_left):
    client = translated.app.test_client()
    till = {"Authorization": f"Bearer {translated.till_token}"}
    keyed = {**till, "Idempotency-Key": "k-1"}
    item = translated.ids["item"]
    answers = [
        client.get("/api/v1/catalog"),  # no token
        client.get("/api/v1/catalog", headers={"Authorization": "Bearer oth_nope"}),
        client.post("/api/v1/comps", headers=till, json={"item_id": item}),  # no key
        client.post("/api/v1/comps", headers=keyed, json={"item_id": 99999}),
        client.post("/api/v1/comps", headers=keyed, json={"item_id": item, "note": "a\u0000b"}),
        client.post("/api/v1/comps", headers=keyed, data="{", content_type="application/json"),
        client.get(f"/api/v1/comps/{uuid.uuid4()}", headers=till),
        client.get("/api/v1/comps?limit=100000", headers=till),
        client.get("/api/v1/comps?cursor=nonsense", headers=till),
        client.patch("/api/v1/shifts/current", headers=till, json={"allowance": None}),
        client.post(f"/api/v1/comps/{uuid.uuid4()}/void", headers=till, json={"reason": "x"}),
    ]
    given = client.post("/api/v1/comps", headers=keyed, json={"item_id": item})
    answers.append(client.post("/api/v1/comps", headers=keyed, json={"item_id": item, "note": "2"}))
    for n in range(40):  # until the shift's allowance refuses
        tapped = client.post(
            "/api/v1/comps", headers={**till, "Idempotency-Key": f"n-{n}"}, json={"item_id": item}
        )
        if tapped.status_code == 409:
            answers.append(tapped)
            break
    assert given.status_code == 201
    assert answers[-1].status_code == 409
    problems = [answer.get_json() for answer in answers]
    assert all(answer.mimetype == "application/problem+json" for answer in answers)
    # The fields a problem names are the client's own JSON keys, not words to translate.
    keys = {param["name"] for p in problems for param in p.get("invalid_params", [])}
    left = {
        p["type"]: english_left(translated.language, f"{p['title']} | {p['detail']}", keys)
        for p in problems
    }
    assert {kind: words for kind, words in left.items() if words} == {}
    assert len({p["title"] for p in problems}) >= 6
