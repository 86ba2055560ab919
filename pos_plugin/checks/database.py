"""The database check: reachable, its schema at this version's head, and (SQLite) undamaged.

Three depths of the same check: /readyz only reaches it and reads the
revision; the console adds SQLite's `quick_check`; `pos-plugin doctor` runs the
full `integrity_check`, which reads every page of the file.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import make_url
from sqlalchemy.exc import SQLAlchemyError

from pos_plugin import lifecycle
from pos_plugin.checks.result import Finding, check, fail, first_line, ok
from pos_plugin.database import db
from pos_plugin.settings import Settings

NAME = "database"


@check(NAME)
def reachable(settings: Settings, now: datetime) -> Finding:
    return _database(settings, pragma=None)


@check(NAME)
def quick(settings: Settings, now: datetime) -> Finding:
    return _database(settings, pragma="quick_check")


@check(NAME)
def thorough(settings: Settings, now: datetime) -> Finding:
    return _database(settings, pragma="integrity_check")


def _database(settings: Settings, pragma: str | None) -> Finding:
    where = make_url(settings.database_url).render_as_string(hide_password=True)
    try:
        revision = lifecycle.schema_revision()
    except SQLAlchemyError as error:
        return fail(
            _l(
                "The database %(where)s cannot be reached: %(error)s. Check that it is "
                "running and that [database] url is right.",
                where=where,
                error=first_line(error),
            )
        )
    head = lifecycle.SCHEMA_HEAD
    if revision is None:
        return fail(
            _l("The database %(where)s has no tables yet. Run `pos-plugin init`.", where=where)
        )
    if revision != head:
        return fail(
            _l(
                "The database is at schema %(revision)s; this version needs %(head)s. "
                "Run `pos-plugin init` to upgrade it (every record is kept).",
                revision=revision,
                head=head,
            )
        )
    if pragma is None or db.engine.dialect.name != "sqlite":
        return ok(_l("Reachable; its schema is up to date (%(head)s).", head=head))
    with db.engine.connect() as connection:
        problems = [str(row) for row in connection.exec_driver_sql(f"PRAGMA {pragma}").scalars()]
    if problems != ["ok"]:
        return fail(
            _l(
                "The database file is damaged: %(problem)s. Stop the server, keep the "
                "damaged file for support, and restore the last backup (`pos-plugin restore`).",
                problem="; ".join(problems[:3]),
            )
        )
    return ok(
        _l(
            "Reachable; its schema is up to date (%(head)s) and SQLite's %(pragma)s "
            "found no damage.",
            head=head,
            pragma=pragma,
        )
    )
