"""What a health check finds, and the guard that names each check and keeps it from raising.

A check's message is user-facing: it says what is wrong and what to do, in
flask-babel's lazy gettext, so it reads in the store's language on the console
and in English wherever the caller asks for it (`pos-plugin doctor`, /readyz).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from pos_plugin.database import db
from pos_plugin.settings import Settings

log = logging.getLogger(__name__)


class Status(enum.StrEnum):
    OK = "ok"
    WARN = "warn"  # worth a look; the store keeps working
    FAIL = "fail"  # something needs fixing


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    message: LazyString


@dataclass(frozen=True)
class Finding:
    """What a check function found, before the guard puts its name to it."""

    status: Status
    message: LazyString


def ok(message: LazyString) -> Finding:
    return Finding(Status.OK, message)


def warn(message: LazyString) -> Finding:
    return Finding(Status.WARN, message)


def fail(message: LazyString) -> Finding:
    return Finding(Status.FAIL, message)


CheckFn = Callable[[Settings, datetime], Check]


def check(name: str) -> Callable[[Callable[[Settings, datetime], Finding]], CheckFn]:
    """Name a check and make it never raise: an unexpected error becomes its failure."""

    def wrap(find: Callable[[Settings, datetime], Finding]) -> CheckFn:
        @wraps(find)
        def guarded(settings: Settings, now: datetime) -> Check:
            try:
                found = find(settings, now)
            except SQLAlchemyError as error:
                # A failed statement leaves a PostgreSQL transaction aborted: the checks
                # after this one start afresh.
                db.session.rollback()
                found = fail(
                    _l(
                        "Not checked: the database cannot be used (%(error)s). "
                        "See the database check.",
                        error=first_line(error),
                    )
                )
            except Exception as error:  # a check must report, whatever went wrong inside it
                log.exception("the %s check failed", name)
                found = fail(_l("The check itself failed: %(error)s", error=first_line(error)))
            return Check(name, found.status, found.message)

        return guarded

    return wrap


def run(checks: Iterable[CheckFn], settings: Settings, now: datetime) -> list[Check]:
    return [one(settings, now) for one in checks]


def first_line(error: BaseException) -> str:
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
