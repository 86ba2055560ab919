"""The pages speak the store's language: German is complete, and its compiled .mo is fresh."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

import pos_plugin.checks
import pos_plugin.web
from pos_plugin import create_app
from pos_plugin.database import db, write_transaction
from pos_plugin.models import Role
from pos_plugin.money import Money
from pos_plugin.services import catalog, staff
from pos_plugin.services.actors import SYSTEM
from pos_plugin.services.store import apply_settings

WEB = Path(pos_plugin.web.__file__).parent
# The health checks' messages, which the console's Health page shows.
CHECKS = Path(pos_plugin.checks.__file__).parent
GERMAN = WEB / "translations" / "de" / "LC_MESSAGES"
# Every page: the tablet, sign-in, the shared templates and the manager console.
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]


def _messages(catalog) -> dict[str, str]:
    """Translated messages only: an empty or fuzzy one falls back to English and is not compiled."""
    return {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}


def test_every_string_on_the_pages_has_a_german_translation():
    wanted = {
        message
        for folder in (WEB, CHECKS)
        for _, _, message, *_ in extract_from_dir(
            str(folder), METHODS, keywords={"_": None, "_l": None, "gettext": None}
        )
    }
    with (GERMAN / "messages.po").open("rb") as file:
        german = _messages(read_po(file))
    missing = sorted(m for m in wanted if not german.get(m))
    assert missing == [], "run pybabel extract/update (see babel.cfg) and translate these"


def test_the_compiled_german_catalog_matches_its_po_file():
    with (GERMAN / "messages.po").open("rb") as file:
        source = _messages(read_po(file))
    with (GERMAN / "messages.mo").open("rb") as file:
        compiled = _messages(read_mo(file))
    assert compiled == source, "stale .mo: run `pybabel compile -d pos_plugin/web/translations`"


@pytest.fixture
def german_client(tmp_path, settings_for, clock):
    """A store configured for de_DE, with a barista Ana (PIN 2468) and a cookie at 1.80 EUR."""
    settings = settings_for(tmp_path / "home", f"sqlite:///{tmp_path / 'de.db'}", locale="de_DE")
    app = create_app({"SETTINGS": settings, "TESTING": True, "POS_PLUGIN_CLOCK": clock})
    with app.app_context():
        db.create_all()
        with write_transaction():
            store = apply_settings(settings, SYSTEM, clock.now)
            staff.add_staff(SYSTEM, name="Ana", role=Role.BARISTA, pin="2468", now=clock.now)
            catalog.add_item(
                SYSTEM, store, name="Keks", value=Money(180, "EUR"), icon="🍪", now=clock.now
            )
    yield app.test_client()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_german_store_gets_german_pages_and_german_money(german_client, csrf_of):
    html = german_client.get("/signin").get_data(as_text=True)
    assert '<html lang="de">' in html
    assert "Wer steht an der Theke?" in html
    token = csrf_of(german_client, "/signin?staff=1")
    german_client.post("/signin", data={"csrf_token": token, "staff_id": 1, "pin": "2468"})
    tablet = german_client.get("/tablet").get_data(as_text=True)
    assert "Aufs Haus geben" in tablet
    assert "1,80\xa0€" in tablet


def test_a_german_store_gets_a_german_console(german_client, csrf_of, clock):
    app = german_client.application
    with app.app_context(), write_transaction():
        maya = staff.add_staff(SYSTEM, name="Maya", role=Role.MANAGER, pin="1357", now=clock.now)
    token = csrf_of(german_client, f"/signin?staff={maya.id}")
    german_client.post("/signin", data={"csrf_token": token, "staff_id": maya.id, "pin": "1357"})
    home = german_client.get("/manage").get_data(as_text=True)
    assert "Heute live" in home
    assert "Budgets" in home
    week = german_client.get("/manage/allowances").get_data(as_text=True)
    assert "Mittwoch" in week
    assert "Neues Budget für diese Schicht" in week
    health = german_client.get("/manage/health").get_data(as_text=True)
    assert "Prüfungen" in health
    assert "Kein Bondrucker eingerichtet." in health
