"""The amounts a manager may set: an item's value and a shift's allowance.

From nothing up to MAX_AMOUNT minor units (£9,999.99 in pounds), far above any
comp or shift allowance, so a slip of the keyboard (99999999.99) is refused
with the range in the store's own money rather than kept.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from pos_plugin.money import Money
from pos_plugin.services.errors import InvalidInput

MAX_AMOUNT = 999_999


def amount_range(currency: str, locale: str) -> tuple[str, str]:
    """The lowest and highest amount, formatted for the store: ("£0.00", "£9,999.99")."""
    return Money(0, currency).format(locale), Money(MAX_AMOUNT, currency).format(locale)


def in_range(amount: int) -> bool:
    return 0 <= amount <= MAX_AMOUNT


def check_amount(value: Money, locale: str, *, field: str) -> None:
    if not in_range(value.amount):
        low, high = amount_range(value.currency, locale)
        raise InvalidInput(
            _l("Use an amount between %(low)s and %(high)s.", low=low, high=high),
            field=field,
            low=low,
            high=high,
        )
