"""Which limit of the running shift stops a comp, and what is left of each.

One rule, here: the tap refuses with it, the API names it (`limit`), the
console's override form shows it, and the tablet's tiles mirror it from the
shift's tally. A limit on the count (the shift's or the barista's own) stops
every item; the money left stops only items worth more than it; an item's
per-shift limit stops only that item; a retired item cannot be given at all,
not even with a manager's approval.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from pos_plugin.money import Money


class Limit(StrEnum):
    ALLOWANCE = "allowance"  # the shift's money
    MAX_COMPS = "max_comps"  # the shift's count of comps
    MAX_COMPS_PER_STAFF = "max_comps_per_staff"  # the barista's own count
    PER_ITEM = "per_item"  # how often this item may be given in a shift
    ITEM_RETIRED = "item_retired"  # the item is off the catalog


@dataclass(frozen=True)
class Standing:
    """What is left of each limit for one tap: None where no such cap applies."""

    remaining: Money
    remaining_comps: int | None = None
    own_remaining_comps: int | None = None
    item_remaining: int | None = None

    def facts(self) -> dict[str, Any]:
        """The refusal's fields, so either side can word it: the API, the tablet."""
        return {
            "remaining": self.remaining.as_json(),
            "remaining_comps": self.remaining_comps,
            "own_remaining_comps": self.own_remaining_comps,
            "item_remaining": self.item_remaining,
        }


def blocking(value: Money, standing: Standing) -> Limit | None:
    """The limit that stops a comp worth `value`, counts first: raising the money
    cannot help while a count is used up, so the count is the one to name."""
    if standing.remaining_comps == 0:
        return Limit.MAX_COMPS
    if standing.own_remaining_comps == 0:
        return Limit.MAX_COMPS_PER_STAFF
    if standing.item_remaining == 0:
        return Limit.PER_ITEM
    if value.amount > standing.remaining.amount:
        return Limit.ALLOWANCE
    return None


# The refusal in words, from the refusal's own fields (`str.format` names).
def detail(limit: Limit, **words: object) -> LazyString:
    """The refusal's sentence for `limit`, in the store's language when shown; `words` fill
    it: item, value, left, shift, max_comps, max_comps_per_staff, per_shift_limit."""
    if limit is Limit.ALLOWANCE:
        return _l(
            "%(item)s (%(value)s) is more than the %(left)s left in the %(shift)s shift's "
            "allowance.",
            **words,
        )
    if limit is Limit.MAX_COMPS:
        return _l(
            "The %(shift)s shift has given all %(max_comps)s comps it may; %(left)s of its "
            "money is left, but no comp can be given without a manager.",
            **words,
        )
    if limit is Limit.MAX_COMPS_PER_STAFF:
        return _l(
            "You have given your own %(max_comps_per_staff)s comps for the %(shift)s shift; "
            "the shift still has %(left)s left.",
            **words,
        )
    if limit is Limit.PER_ITEM:
        return _l(
            "%(item)s has reached its limit of %(per_shift_limit)s a shift; other items are "
            "still fine.",
            **words,
        )
    return _l("%(item)s is not on the catalog any more.", **words)
