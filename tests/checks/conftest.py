"""A store as `pos-plugin init` leaves it, on a new database, for the doctor to examine."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade

from pos_plugin import create_app, lifecycle
from pos_plugin.database import db
from pos_plugin.services.actors import SYSTEM


@pytest.fixture
def new_store(
    tmp_path: Path, empty_database_url: str, settings_for: Callable[..., Any], clock: Any
) -> Iterator[Callable[..., Flask]]:
    """`new_store(revision="head", home=None, database_url=None, **sections)`: an app whose
    database was migrated to `revision` (at head its store is opened too)."""
    apps: list[Flask] = []

    def make(
        revision: str = "head",
        home: Path | None = None,
        database_url: str | None = None,
        **sections: Any,
    ) -> Flask:
        settings = settings_for(home or tmp_path / "home", database_url or empty_database_url)
        settings = dataclasses.replace(settings, **sections)
        app = create_app({"SETTINGS": settings, "TESTING": True, "POS_PLUGIN_CLOCK": clock})
        apps.append(app)
        with app.app_context():
            lifecycle.enable_migrations(app)
            upgrade(revision=revision)
            if revision == "head":
                lifecycle.apply_settings(settings, SYSTEM, clock.now)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
