"""The product speaks the store's language: German and French are complete for every message
`make translations` extracts, and their compiled .mo files are fresh."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

import pos_plugin.web
from pos_plugin import create_app
from pos_plugin.database import db, write_transaction
from pos_plugin.models import Role
from pos_plugin.money import Money
from pos_plugin.services import catalog, staff
from pos_plugin.services.actors import SYSTEM
from pos_plugin.services.store import apply_settings

WEB = Path(pos_plugin.web.__file__).parent
ROOT = WEB.parent.parent
TRANSLATIONS = WEB / "translations"
LANGUAGES = ("de", "fr")
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "_l": None, "gettext": None, "_ln": (1, 2), "ngettext": (1, 2)}


def _sources() -> list[Path]:
    """The folders and files `make translations` extracts from (the Makefile's I18N_SOURCES)."""
    makefile = (ROOT / "Makefile").read_text()
    listed = re.search(r"^I18N_SOURCES := ((?:.*\\\n)*.*)$", makefile, re.M)
    assert listed, "the Makefile names no I18N_SOURCES"
    return [ROOT / name for name in listed.group(1).replace("\\", " ").split()]


def _wanted() -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    for source in _sources():
        if source.is_dir():
            messages = extract_from_dir(str(source), METHODS, keywords=KEYWORDS)
            found |= {_key(message) for _, _, message, *_ in messages}
        else:
            messages = extract_from_file("python", str(source), keywords=KEYWORDS)
            found |= {_key(message) for _, message, *_ in messages}
    return found


def _key(message: str | tuple[str, ...] | list[str]) -> str | tuple[str, ...]:
    return message if isinstance(message, str) else tuple(message)


def _messages(catalog) -> dict[str | tuple[str, ...], str | tuple[str, ...]]:
    """Translated messages only: an empty or fuzzy one falls back to English and is not compiled."""
    return {
        _key(m.id): _key(m.string)
        for m in catalog
        if m.id and m.string and all(_key(m.string)) and not m.fuzzy
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_people_read_has_a_translation(language):
    wanted = _wanted()
    assert len(wanted) > 600
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        translated = _messages(read_po(file))
    missing = sorted(map(str, (m for m in wanted if m not in translated)))
    assert missing == [], "run `make translations` and translate these"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalog_matches_its_po_file(language):
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as file:
        source = _messages(read_po(file))
    with (folder / "messages.mo").open("rb") as file:
        compiled = _messages(read_mo(file))
    assert compiled == source, "stale .mo: run `make translations`"


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
