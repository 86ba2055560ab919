"""The console's forms (WTForms): they parse what was typed and name the field at fault.

Whether a value makes sense (overlaps, caps, currencies, unique names) is the
services' decision; their refusals land next to the same fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import get_currency_precision
from flask import current_app
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, ValidationError

from pos_plugin.api.schemas import INT32_MAX
from pos_plugin.money import Money
from pos_plugin.services.schedule import WEEKDAYS


def options(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """A select's options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


COUNT = NumberRange(min=1, max=INT32_MAX, message="Use a whole number of at least 1.")


def _currency() -> str:
    currency: str = current_app.config["POS_PLUGIN_SETTINGS"].store.currency
    return currency


class MoneyField(StringField):
    """An amount typed in the store's currency ("2.50"), held as `Money` in minor units."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        text = (valuelist[0] if valuelist else "").strip().replace(",", "")
        if not text:
            return
        currency = _currency()
        places = get_currency_precision(currency)
        try:
            amount = Decimal(text.lstrip("£€$"))
        except InvalidOperation:
            raise ValueError(f"Type an amount like 2.50 ({currency}).") from None
        minor = amount.scaleb(places)
        if minor != minor.to_integral_value() or not minor.is_finite():
            raise ValueError(f"Use at most {places} decimal places.")
        if not 0 <= minor <= INT32_MAX:
            raise ValueError("Use an amount of 0 or more.")
        self.data = Money(int(minor), currency)

    def money(self) -> Money:
        """The amount, once the form validated (`_money_required` saw to it)."""
        if not isinstance(self.data, Money):
            raise ValueError(f"{self.name} holds no amount")
        return self.data

    def _value(self) -> str:
        if isinstance(self.data, Money):
            places = get_currency_precision(self.data.currency)
            return f"{Decimal(self.data.amount).scaleb(-places):.{places}f}"
        return self.raw_data[0] if self.raw_data else ""


def _money_required(form: FlaskForm, field: Field) -> None:
    if field.data is None and not field.errors:
        raise ValidationError("Type an amount, e.g. 10.00.")


class TemplateForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Name the shift, e.g. Morning.")])
    weekday = SelectField(
        "Day", coerce=int, choices=options(enumerate(WEEKDAYS)), validators=[InputRequired()]
    )
    starts = TimeField("Starts", validators=[InputRequired("When does it start?")])
    ends = TimeField("Ends", validators=[InputRequired("When does it end?")])
    allowance = MoneyField("Allowance", validators=[_money_required])
    max_comps = IntegerField("Most comps in the shift", validators=[Optional(), COUNT])
    max_comps_per_staff = IntegerField("Most comps per barista", validators=[Optional(), COUNT])


class OverrideForm(FlaskForm):
    allowance = MoneyField("New allowance for this shift", validators=[_money_required])
    max_comps = IntegerField("Most comps (empty: no cap)", validators=[Optional(), COUNT])
    reason = TextAreaField("Why", validators=[DataRequired("Say why, for the history.")])


class ItemForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Name the item.")])
    value = MoneyField("Value", validators=[_money_required])
    icon = StringField("Icon (an emoji)", validators=[DataRequired("Pick an icon.")])
    per_shift_limit = IntegerField(
        "Most per shift (empty: no limit)", validators=[Optional(), COUNT]
    )
    prints_note = BooleanField("Prints a friendly note", default=True)
    suggested_notes = TextAreaField("Suggested notes, one per line")

    def notes(self) -> list[str]:
        return (self.suggested_notes.data or "").splitlines()


class StaffForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the staff member a name.")])
    role = SelectField("Role", choices=options([("barista", "Barista"), ("manager", "Manager")]))
    pin = PasswordField("PIN (4 to 8 digits)", validators=[DataRequired("Choose a PIN.")])
    password = PasswordField("Console password (managers, optional)")


class PinForm(FlaskForm):
    pin = PasswordField("New PIN", validators=[DataRequired("Type the new PIN.")])


class PasswordForm(FlaskForm):
    password = PasswordField("New password (empty: PIN only)")


class TokenForm(FlaskForm):
    name = StringField("What it is for", validators=[DataRequired("Say what it is for.")])
    role = SelectField(
        "Role", choices=options([("till", "Till"), ("barista", "Barista"), ("manager", "Manager")])
    )
    staff = SelectField("Speaks for", coerce=int, choices=options([(0, "nobody (a shared till)")]))


class BreakdownForm(FlaskForm):
    title = StringField("What went wrong", validators=[DataRequired("Name the breakdown.")])
    recovery = TextAreaField("The recovery to offer")
    suggested_item_id = SelectField("Suggested comp", coerce=int, choices=options([(0, "none")]))
