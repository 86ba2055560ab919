"""Fixtures: an app, a client and a CLI runner on a fresh database per test.

Every test that takes `app` runs twice: on SQLite, and on the PostgreSQL at
127.0.0.1:5432 (database `test`, or POS_PLUGIN_TEST_POSTGRES_URL). Each test
session gets its own PostgreSQL schema, dropped at the end, so runs never
collide; where no PostgreSQL answers, those runs are skipped with the reason.

The app is not built anew for each test but lent, one per backend and test process, with
its database emptied and its data directory put back (tests/lent_apps.py): building one
took half of a small test's time.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

# Before the package is imported, and inherited by the servers and commands tests start.
os.environ["POS_PLUGIN_CHEAP_HASHES_FOR_TESTS"] = "1"

from lent_apps import Slot, open_empty_store

from pos_plugin.database import db, write_transaction
from pos_plugin.models import CatalogItem, Role, ShiftTemplate, Staff
from pos_plugin.money import Money
from pos_plugin.services import catalog, schedule, staff, tokens
from pos_plugin.services.actors import SYSTEM
from pos_plugin.services.store import get_store
from pos_plugin.settings import AllowanceSettings, Settings, StoreSettings

POSTGRES_URL = os.environ.get(
    "POS_PLUGIN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# A Tuesday, 10:00 in London (GMT): inside no shift template unless a test adds one.
DEFAULT_NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def pytest_report_header() -> str:
    return f"PostgreSQL for tests: {POSTGRES_URL}"


@dataclass
class PostgresSchema:
    url: str | None
    reason: str = ""
    engine: sa.Engine | None = field(default=None, repr=False)


def _schema_url(base: str, schema: str) -> str:
    url = sa.make_url(base)
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


def new_postgres_schema(engine: sa.Engine, prefix: str) -> str:
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    return name


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresSchema]:
    try:
        engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
    except Exception as exc:  # any failure to connect means: skip the PostgreSQL runs
        yield PostgresSchema(None, f"no PostgreSQL reachable at {POSTGRES_URL}: {exc}")
        return
    schema = new_postgres_schema(engine, "pos_test")
    url = _schema_url(POSTGRES_URL, schema)
    schema_engine = sa.create_engine(url)
    with schema_engine.begin() as conn:
        db.metadata.create_all(conn)
    schema_engine.dispose()
    try:
        yield PostgresSchema(url, engine=engine)
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(
    backend: str, tmp_path: Path, postgres: PostgresSchema, app_slot: Slot | None
) -> str:
    if app_slot is not None:
        return app_slot.settings.database_url
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'pos-plugin.db'}"
    if postgres.url is None:
        pytest.skip(postgres.reason)
    return postgres.url


@pytest.fixture
def empty_database_url(
    backend: str, tmp_path: Path, postgres: PostgresSchema, request: pytest.FixtureRequest
) -> Iterator[str]:
    """A database with no tables at all, for migration and `init` tests."""
    if backend == "citus":  # head office's tables, made on the cluster once and emptied
        yield request.getfixturevalue("citus_database_url")
        return
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    if postgres.url is None or postgres.engine is None:
        pytest.skip(postgres.reason)
    schema = new_postgres_schema(postgres.engine, "pos_empty")
    yield _schema_url(POSTGRES_URL, schema)
    with postgres.engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


class Clock:
    """The app's clock, which tests move by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(DEFAULT_NOW)


def make_settings(home: Path, database_url: str, **store: Any) -> Settings:
    return Settings(
        home=home,
        source=None,
        database_url=database_url,
        store=StoreSettings(
            **{
                "id": "test-cafe",
                "name": "Test Cafe",
                "currency": "EUR",
                "locale": "en_GB",
                "timezone": "Europe/London",
                "business_day_starts": time(4, 0),
                **store,
            }
        ),
        allowance=AllowanceSettings(amount=1500, max_comps=20),
    )


@pytest.fixture
def settings_for() -> Callable[..., Settings]:
    """`settings_for(home, url, **store_keys)`: settings for an app of the test's own."""
    return make_settings


@pytest.fixture
def settings(tmp_path: Path, database_url: str, app_slot: Slot | None) -> Settings:
    if app_slot is not None:
        return app_slot.settings
    return make_settings(tmp_path / "home", database_url)


@pytest.fixture
def empty_store(app: Flask, backend: str, settings: Settings, clock: Clock) -> Callable[[], None]:
    """`empty_store()`: the test's store as it was before the test added anything."""
    return lambda: open_empty_store(app, backend, settings, clock.now)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with every table and no rows, made once: a test's database is a copy
    (making the tables anew took a third of a small test's time)."""
    path = tmp_path_factory.mktemp("template") / "pos-plugin.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        db.metadata.create_all(conn)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def app_slots() -> dict[str, Slot]:
    """This test process's lent apps, one per backend (tests/lent_apps.py)."""
    return {}


@pytest.fixture
def app_slot(
    request: pytest.FixtureRequest,
    backend: str,
    postgres: PostgresSchema,
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    app_slots: dict[str, Slot],
) -> Slot | None:
    """The backend's lent app when the test takes `app` (the test's settings and database
    are then the app's), else None."""
    if "app" not in request.fixturenames:
        return None
    if backend not in app_slots:
        if backend != "sqlite" and postgres.url is None:
            pytest.skip(postgres.reason)

        def settings_in_new_folder() -> Settings:
            folder = tmp_path_factory.mktemp(f"lent-app-{backend}")
            url = f"sqlite:///{folder / 'pos-plugin.db'}" if backend == "sqlite" else postgres.url
            assert url is not None
            return make_settings(folder / "home", url)

        app_slots[backend] = Slot(backend, settings_in_new_folder, sqlite_template)
    slot = app_slots[backend]
    slot.settle()
    return slot


@pytest.fixture
def app(
    request: pytest.FixtureRequest, settings: Settings, clock: Clock, app_slot: Slot | None
) -> Iterator[Flask]:
    """The backend's app, lent on the test's clock with an empty store (tests/lent_apps.py);
    `own_app`-marked tests get one of their own."""
    assert app_slot is not None
    own = request.node.get_closest_marker("own_app") is not None
    app = app_slot.lend(settings, clock, own=own)
    yield app
    app_slot.give_back(app, clock)


@pytest.fixture
def schema_at(app: Flask) -> Iterator[Callable[[str], None]]:
    """`schema_at("head")`: record the app's tables (made from the models, which
    tests/test_migrations.py holds equal to the migrations) as at that revision, as
    `pos-plugin init` leaves them; the record is dropped after the test."""
    from flask_migrate import stamp

    from pos_plugin import lifecycle

    def run(revision: str = "head") -> None:
        with app.app_context():
            lifecycle.enable_migrations(app)
            stamp(revision=revision)

    yield run
    with app.app_context(), db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    """For service tests: run inside the app, as the CLI and workers do."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


# -- factories: functions that create records through the services ------------------------


@pytest.fixture
def make_item(app: Flask, clock: Clock) -> Callable[..., CatalogItem]:
    counter = iter(range(1, 10_000))

    def make(
        value: int = 250,
        name: str | None = None,
        per_shift_limit: int | None = None,
        active: bool = True,
    ) -> CatalogItem:
        with app.app_context(), write_transaction():
            item = catalog.add_item(
                SYSTEM,
                get_store(),
                name=name or f"Treat {next(counter)}",
                value=Money(value, "EUR"),
                icon="🍪",
                per_shift_limit=per_shift_limit,
                now=clock.now,
            )
            item.active = active
        return item

    return make


@pytest.fixture
def make_staff(app: Flask, clock: Clock) -> Callable[..., Staff]:
    counter = iter(range(1, 10_000))

    def make(role: Role = Role.BARISTA, name: str | None = None, pin: str = "1234") -> Staff:
        with app.app_context(), write_transaction():
            return staff.add_staff(
                SYSTEM, name=name or f"Barista {next(counter)}", role=role, pin=pin, now=clock.now
            )

    return make


@pytest.fixture
def make_template(app: Flask, clock: Clock) -> Callable[..., ShiftTemplate]:
    def make(
        weekday: int,
        starts: time,
        ends: time,
        allowance: int = 1000,
        max_comps: int | None = None,
        max_comps_per_staff: int | None = None,
        name: str = "Morning",
    ) -> ShiftTemplate:
        with app.app_context(), write_transaction():
            return schedule.add_template(
                SYSTEM,
                get_store(),
                name=name,
                weekday=weekday,
                starts=starts,
                ends=ends,
                allowance=Money(allowance, "EUR"),
                max_comps=max_comps,
                max_comps_per_staff=max_comps_per_staff,
                now=clock.now,
            )

    return make


@pytest.fixture
def make_token(app: Flask, clock: Clock) -> Callable[..., str]:
    def make(role: Role = Role.TILL, name: str = "front till", staff_id: int | None = None) -> str:
        with app.app_context(), write_transaction():
            _, secret = tokens.create_token(
                SYSTEM, role=role, name=name, now=clock.now, staff_id=staff_id
            )
        return secret

    return make


@pytest.fixture
def auth(make_token: Callable[..., str]) -> Callable[..., dict[str, str]]:
    """Headers for a request as a given role: `client.get(url, headers=auth("manager"))`."""

    def headers(role: str = "till", **kwargs: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {make_token(Role(role), **kwargs)}"}

    return headers


# -- pages: the CSRF token a page carries, and a browser signed in through the PIN pad -----

_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


@pytest.fixture
def csrf_of() -> Callable[[FlaskClient, str], str]:
    """`csrf_of(client, url)`: open a page as that browser and return its CSRF token."""

    def run(browser: FlaskClient, url: str = "/signin") -> str:
        found = _META.search(browser.get(url).get_data(as_text=True))
        assert found, f"{url} carries no CSRF token"
        return found.group(1)

    return run


@pytest.fixture
def csrf(client: FlaskClient, csrf_of: Callable[[FlaskClient, str], str]) -> Callable[[str], str]:
    """`csrf(url)`: open a page as the test's browser and return its CSRF token."""

    def run(url: str = "/signin") -> str:
        return csrf_of(client, url)

    return run


@pytest.fixture
def sign_in(client: FlaskClient, csrf: Callable[[str], str]) -> Callable[..., Any]:
    """`sign_in(staff, pin="1234", **form)`: submit the PIN pad as this browser."""

    def run(staff: Staff, pin: str = "1234", **form: Any) -> Any:
        token = csrf(f"/signin?staff={staff.id}")
        data = {"csrf_token": token, "staff_id": staff.id, "pin": pin, **form}
        return client.post("/signin", data=data)

    return run


@pytest.fixture
def enrol(app: Flask, clock: Clock) -> Callable[..., int]:
    """`enrol(browser, name="Front")`: make a test client a shop tablet, as the console's
    "Enrol this browser" does; returns the tablet's id."""

    def run(browser: FlaskClient, name: str = "Front") -> int:
        from pos_plugin.caller import TABLET_COOKIE
        from pos_plugin.services import devices

        with app.app_context(), write_transaction():
            device, token = devices.enrol(SYSTEM, name, clock.now)
        browser.set_cookie(TABLET_COOKIE, token)
        return device.id

    return run


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MiB file system of its own (tmpfs), as a small till PC's disk."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small file system here (needs root): {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


# -- English left on a translated page ---------------------------------------------------------

_CATALOGUES = Path(__file__).parent.parent / "pos_plugin" / "web" / "translations"
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
# Not prose in any language: scripts, styles, and codes (tokens, commands, stored keys).
_HIDDEN = re.compile(r"<(script|style|code)\b.*?</\1>", re.S | re.I)
_READ_ATTRIBUTES = re.compile(
    r"""\b(?:aria-label|title|placeholder|alt)="([^"]*)"|\bdata-strings='([^']*)'"""
)


def _english_phrases(language: str) -> list[tuple[str, re.Pattern[str]]]:
    """Each English message the catalogue translates differently, as the pieces of it between
    placeholders that the language's own messages never use (so "Tablet" or "Barista", the same
    in German, is no finding)."""
    from babel.messages.pofile import read_po

    with (_CATALOGUES / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalogue = read_po(file)
    pairs = []
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs += [(english, said) for english in ids for said in strings]
    translated = _PLACEHOLDER.sub(" ", "\n".join(said for _, said in pairs))
    pairs = [(english, said) for english, said in pairs if said != english]
    phrases = {}
    for english, _ in pairs:
        for piece in _PLACEHOLDER.split(english):
            piece = piece.strip(" .,:;()“”\"'\u2013-·")
            if len(piece) < 3 or not re.search("[A-Za-z]{2}", piece):
                continue
            # A whole word or phrase; "comp.voided" is a code, not the word "comp".
            pattern = re.compile(r"(?<![\w.-])" + re.escape(piece) + r"(?![\w-]|\.\w)")
            if not pattern.search(translated):
                phrases[piece] = pattern
    return sorted(phrases.items())


def _values(found: Any) -> Iterator[str]:
    """The strings of a JSON document, without its keys (codes)."""
    if isinstance(found, dict):
        found = list(found.values())
    if isinstance(found, list):
        for value in found:
            yield from _values(value)
    elif isinstance(found, str):
        yield found


@pytest.fixture(scope="session")
def english_left() -> Callable[..., list[str]]:
    """`english_left(language, html_or_text)`: each of the catalogue's English messages (or
    their pieces between placeholders) still in what a person reads of it, with the words
    around it: its text, the attributes read aloud or shown (aria-label, title, placeholder,
    alt) and the tablet script's strings. Codes (<code>) are not prose in any language."""
    phrases = {language: _english_phrases(language) for language in ("de", "fr")}

    def run(language: str, page: str, data: Iterable[str] = ()) -> list[str]:
        """`data`: the store's own text (names, notes), which is in whatever language it was
        typed in, and is blanked out first."""
        read = _HIDDEN.sub(" ", page)
        attributes = [
            " | ".join(_values(json.loads(html.unescape(strings)))) if strings else said
            for said, strings in _READ_ATTRIBUTES.findall(read)
        ]
        text = html.unescape(re.sub(r"<[^>]+>", " ", read)) + " | " + " | ".join(attributes)
        text = _PLACEHOLDER.sub(" ", text)  # a script's own {placeholders}
        for typed in sorted(data, key=len, reverse=True):
            text = text.replace(typed, " ")
        text = re.sub(r"\s+", " ", text)
        found = ((piece, pattern.search(text)) for piece, pattern in phrases[language])
        return [f"{piece}: …{text[m.start() - 30 : m.end() + 30]}…" for piece, m in found if m]

    return run
