"""One app per backend for this test process, lent in turn to each test that takes `app`.

Building an app costs a tenth of a second of CPU (werkzeug compiles each route, flask-smorest
documents the API), half of a small test's time. So a test borrows its backend's app, with
the database emptied and the store opened afresh, the data directory put back as the app
left it when it was built, and the test's own clock: from the test's side, the app
`create_app` would have given it.

A test that changes the app (a config key, an extension, a route, a hook, the JSON provider)
gives it back changed, and the next test gets a new one: `AppState` is what is compared.
What cannot be seen from outside (an event listener on the engine, a route added before the
first request) a test says with the `own_app` marker: it gets an app of its own, dropped
after it.
"""

from __future__ import annotations

import copy
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from pos_plugin import create_app
from pos_plugin.database import db, write_transaction
from pos_plugin.models import AuditEvent
from pos_plugin.private_files import SQLITE_SIDE_FILES
from pos_plugin.services.actors import SYSTEM
from pos_plugin.services.store import apply_settings
from pos_plugin.settings import Settings

# Flask's documented per-app registries a test could add to or replace.
_HOOKS = (
    "before_request_funcs",
    "after_request_funcs",
    "teardown_request_funcs",
    "teardown_appcontext_funcs",
    "template_context_processors",
    "url_value_preprocessors",
    "url_default_functions",
    "shell_context_processors",
    "view_functions",
    "blueprints",
    "extensions",
)
_JINJA = ("globals", "filters", "tests")
_REPLACEABLE = (
    "wsgi_app",
    "json",
    "session_interface",
    "test_client_class",
    "test_cli_runner_class",
    "request_class",
    "response_class",
)


@dataclass(frozen=True)
class _Same:
    """A value kept to compare with what the app holds later: by value where the value
    compares equal to a copy of itself (so a nested dict changed in place shows), else
    by identity."""

    value: Any
    by_value: bool

    @classmethod
    def of(cls, value: Any) -> _Same:
        try:
            kept = copy.deepcopy(value)
            if kept == value:
                return cls(kept, True)
        except Exception:  # a lock, a connection: what cannot be copied is compared by identity
            pass
        return cls(value, False)

    def holds(self, value: Any) -> bool:
        return bool(self.value == value) if self.by_value else self.value is value


def _flat(prefix: str, found: Any) -> Iterator[tuple[str, Any]]:
    """Each leaf of dicts and lists nested in `found`, named by its path."""
    if isinstance(found, dict):
        for key, value in found.items():
            yield from _flat(f"{prefix}[{key!r}]", value)
    elif isinstance(found, list):
        for index, value in enumerate(found):
            yield from _flat(f"{prefix}[{index}]", value)
        yield f"{prefix}.len", len(found)
    else:
        yield prefix, found


@dataclass(frozen=True)
class AppState:
    """What a test could change on an app from the outside, each piece kept to compare."""

    pieces: dict[str, _Same]

    @classmethod
    def of(cls, app: Flask) -> AppState:
        pieces = {f"config[{key!r}]": _Same.of(value) for key, value in app.config.items()}
        registries = [(name, getattr(app, name)) for name in _HOOKS]
        registries.append(("error_handler_spec", app.error_handler_spec))
        for name, registry in registries:
            pieces.update((key, _Same(value, False)) for key, value in _flat(name, registry))
        for name in _JINJA:  # one level: its globals hold the config itself, compared above
            pieces.update(
                (f"jinja_env.{name}[{key!r}]", _Same(value, False))
                for key, value in getattr(app.jinja_env, name).items()
            )
        for name in _REPLACEABLE:  # by value: `app.wsgi_app` is a new bound method each time
            pieces[name] = _Same(getattr(app, name), True)
        rules = sorted(
            (r.rule, r.endpoint, sorted(r.methods or ())) for r in app.url_map.iter_rules()
        )
        pieces["url_map"] = _Same(rules, True)
        return cls(pieces)

    def changed_in(self, app: Flask) -> list[str]:
        """The pieces `app` holds differently now, or holds and did not, or no longer holds."""
        now = AppState.of(app).pieces
        changed = self.pieces.keys() ^ now.keys()
        changed.update(
            name
            for name, kept in self.pieces.items()
            if name in now and not kept.holds(now[name].value)
        )
        return sorted(changed)


def empty_postgres_tables(app: Flask) -> None:
    """Delete every row and restart every id, as TRUNCATE ... RESTART IDENTITY would, but in
    a tenth of its time: TRUNCATE makes new files for all the tables, DELETE of a few rows does
    not. The audit log's own trigger refuses deletes, so it is off for this one statement."""
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    audit = AuditEvent.__tablename__
    statements = [
        f'ALTER TABLE "{audit}" DISABLE TRIGGER USER',
        *(f'DELETE FROM "{name}"' for name in tables),
        f'ALTER TABLE "{audit}" ENABLE TRIGGER USER',
        "SELECT setval(format('%%I.%%I', schemaname, sequencename), 1, false) "
        "FROM pg_sequences WHERE schemaname = current_schema()",
    ]
    with db.engine.begin() as conn:
        conn.exec_driver_sql("; ".join(statements))


def open_empty_store(
    app: Flask, backend: str, settings: Settings, now: datetime, *, fresh: bool = False
) -> None:
    """Empty every table of `app`'s database and open the store of `settings` in it afresh.

    `fresh`: the database has the tables and not one row yet (a copy of the template on
    SQLite, the session's new schema on PostgreSQL's first test).
    """
    with app.app_context():
        if not fresh:
            if backend == "sqlite":
                db.drop_all()
                db.create_all()
            else:
                empty_postgres_tables(app)
        with write_transaction():
            apply_settings(settings, SYSTEM, now)


class Slot:
    """A backend's app for this process, the settings it was built with, and how to lend it.

    `settings_in_new_folder()`: settings whose data directory and SQLite file are new."""

    def __init__(
        self, backend: str, settings_in_new_folder: Callable[[], Settings], sqlite_template: Path
    ) -> None:
        self.backend = backend
        self.settings_in_new_folder = settings_in_new_folder
        self.sqlite_template = sqlite_template
        self.settings = settings_in_new_folder()
        self.app: Flask | None = None
        self.state: AppState | None = None
        self.started: set[threading.Thread] = set()
        self.left_running: set[threading.Thread] = set()

    @property
    def home_as_built(self) -> Path:
        return self.settings.home.parent / "home-as-built"

    def settle(self) -> None:
        """Before a test takes the slot: a thread the last one started and left running (its
        fixtures all torn down by now) may still write to the SQLite file or the data
        directory, so this test gets new ones, and a new app."""
        if any(thread.is_alive() for thread in self.left_running):
            self.drop()
            self.settings = self.settings_in_new_folder()
        self.left_running = set()

    def lend(self, settings: Settings, clock: Callable[[], datetime], own: bool) -> Flask:
        """The app for one test: this slot's, or one of its own when the test asked for that
        or brought settings of its own (a printer on a port of its own, say). It tells the
        time by `clock`."""
        self.started = set(threading.enumerate())
        self._fresh_database(settings)
        config = {"SETTINGS": settings, "TESTING": True, "POS_PLUGIN_CLOCK": clock}
        if settings is not self.settings:
            app = create_app(config)
        elif own or self.app is None:
            self.drop()
            app = create_app(config)
            if not own:
                self.app, self.state = app, AppState.of(app)
                shutil.copytree(settings.home, self.home_as_built, symlinks=True)
        else:
            app = self.app
            app.config["POS_PLUGIN_CLOCK"] = clock
            shutil.rmtree(settings.home)
            shutil.copytree(self.home_as_built, settings.home, symlinks=True)
        open_empty_store(app, self.backend, settings, clock(), fresh=self.backend == "sqlite")
        return app

    def give_back(self, app: Flask, clock: Callable[[], datetime]) -> None:
        """Close what the test left open. The slot's app, if the test changed it (more than
        the clock it was lent on), is dropped."""
        self.left_running = set(threading.enumerate()) - self.started
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if app is not self.app or self.state is None:
            return
        if app.config["POS_PLUGIN_CLOCK"] is clock:
            app.config["POS_PLUGIN_CLOCK"] = self.state.pieces["config['POS_PLUGIN_CLOCK']"].value
        if self.state.changed_in(app):
            self.drop()

    def drop(self) -> None:
        """Forget the slot's app; the next test builds one from an empty data directory."""
        self.app = None
        self.state = None
        shutil.rmtree(self.settings.home, ignore_errors=True)
        shutil.rmtree(self.home_as_built, ignore_errors=True)

    def _fresh_database(self, settings: Settings) -> None:
        """On SQLite, a new file copied from the template (with nothing of the last test's
        beside it); PostgreSQL's schema is emptied by `open_store`."""
        if self.backend != "sqlite":
            return
        database = sa.make_url(settings.database_url).database
        assert database is not None
        for path in (database, *(database + side for side in SQLITE_SIDE_FILES)):
            Path(path).unlink(missing_ok=True)
        shutil.copyfile(self.sqlite_template, database)
        os.chmod(database, 0o600)  # as `pos-plugin`'s umask makes it, so no start tightens it
