"""Money as integer minor units plus an ISO 4217 currency, and its display."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_currency, get_currency_precision


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined."""


@dataclass(frozen=True, slots=True)
class Money:
    amount: int
    currency: str

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} cannot be combined")

    def clamp_at_zero(self) -> Money:
        return self if self.amount >= 0 else Money(0, self.currency)

    def format(self, locale: str) -> str:
        """'€2.50' for EUR 250 in en_GB; the currency decides where the point goes."""
        return format_currency(self._major(), self.currency, locale=locale)

    def plain(self) -> str:
        """'49.00' for GBP 4900, '500' for JPY 500: major units with the currency's digits,
        no symbol, no grouping, a full stop for the point, in any locale (CSV files, forms)."""
        return f"{self._major():.{get_currency_precision(self.currency)}f}"

    def _major(self) -> Decimal:
        return Decimal(self.amount).scaleb(-get_currency_precision(self.currency))

    def as_json(self) -> dict[str, int | str]:
        return {"amount": self.amount, "currency": self.currency}
