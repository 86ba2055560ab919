"""Pages of a growing list (comps, audit rows, stories): offset, size, whether more follow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select

from pos_plugin.database import db
from pos_plugin.services.errors import InvalidInput

T = TypeVar("T")
MAX_LIMIT = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    offset: int
    limit: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.offset > 0

    @property
    def next_offset(self) -> int:
        return self.offset + self.limit

    @property
    def previous_offset(self) -> int:
        return max(0, self.offset - self.limit)


def check(offset: int, limit: int) -> None:
    if offset < 0:
        raise InvalidInput(_l("Start at 0 or later."), field="offset")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(_l("Ask for 1 to %(max)s rows at a time.", max=MAX_LIMIT), field="limit")


def fetch(query: Select[Any], *, offset: int, limit: int) -> Page[Any]:
    """One page of an ordered query; one row more is read to know whether another page follows."""
    check(offset, limit)
    rows = list(db.session.scalars(query.offset(offset).limit(limit + 1)))
    return Page(items=rows[:limit], offset=offset, limit=limit, has_next=len(rows) > limit)
