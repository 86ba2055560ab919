"""Money as a spreadsheet and a form field read it: plain major units, the currency's digits."""

from __future__ import annotations

import pytest

from pos_plugin.money import Money


@pytest.mark.parametrize(
    ("money", "plain"),
    [
        (Money(4900, "GBP"), "49.00"),
        (Money(5, "EUR"), "0.05"),
        (Money(123456789, "EUR"), "1234567.89"),
        (Money(500, "JPY"), "500"),
        (Money(1234, "KWD"), "1.234"),
    ],
)
def test_plain_is_major_units_with_the_currencys_digits_and_no_grouping(money, plain):
    assert money.plain() == plain


def test_plain_is_the_same_in_every_locale_unlike_format():
    assert Money(123456, "EUR").format("de_DE") == "1.234,56\xa0€"
    assert Money(123456, "EUR").plain() == "1234.56"
