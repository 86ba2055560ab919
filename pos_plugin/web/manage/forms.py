"""The console's forms (WTForms): they parse what was typed and name the field at fault.

Whether a value makes sense (overlaps, caps, currencies, unique names) is the
services' decision; their refusals land next to the same fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from babel.numbers import get_currency_precision
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Regexp,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget, NumberInput

from pos_plugin.api.schemas import INT32_MAX
from pos_plugin.money import Money
from pos_plugin.services import catalog, playbook, schedule, staff, tokens
from pos_plugin.services.amounts import amount_range, in_range
from pos_plugin.services.events import EVENTS
from pos_plugin.text import looks_empty


def options(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """A select's options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


# In the order of `schedule.WEEKDAYS`, as words the translation tools can find.
WEEKDAY_LABELS = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)


def _at_most(characters: int) -> Length:
    """The service's length rule, checked with the form's others so all show at once."""
    return Length(max=characters, message=_l("Use at most %(max)d characters."))


class CountField(IntegerField):
    """A count cap: a whole number from 1, or empty for no cap; one message for any slip."""

    widget = NumberInput(min=1)

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            return
        try:
            number = int(text)
        except ValueError:
            number = 0
        if not 1 <= number <= INT32_MAX:
            raise ValueError(_("Use a whole number of at least 1, or leave it empty."))
        self.data = number


class TextRequired:
    """WTForms' `DataRequired` for text, where text that shows nothing is empty too.

    `DataRequired` lets a name of zero-width spaces through (Python's `strip`
    keeps them); the one text rule (`pos_plugin.text.looks_empty`) does not, so
    such a name gets this field's own message, in the manager's language, as a
    blank one does, rather than the service's refusal in English.
    """

    field_flags: ClassVar[dict[str, bool]] = {"required": True}  # as DataRequired: `required`

    def __init__(self, message: Any) -> None:
        self.message = message

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if isinstance(field.data, str) and not looks_empty(field.data):
            return
        field.errors[:] = []
        raise StopValidation(self.message)


def _currency() -> str:
    currency: str = current_app.config["POS_PLUGIN_SETTINGS"].store.currency
    return currency


def _locale() -> str:
    locale: str = current_app.config["POS_PLUGIN_SETTINGS"].store.locale
    return locale


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
            raise ValueError(
                _("Type an amount like 2.50 (%(currency)s).", currency=currency)
            ) from None
        minor = amount.scaleb(places)
        if minor != minor.to_integral_value() or not minor.is_finite():
            raise ValueError(_("Use at most %(places)s decimal places.", places=places))
        if not in_range(int(minor)):
            low, high = amount_range(currency, _locale())
            raise ValueError(_("Use an amount between %(low)s and %(high)s.", low=low, high=high))
        self.data = Money(int(minor), currency)

    def money(self) -> Money:
        """The amount, once the form validated (`_money_required` saw to it)."""
        if not isinstance(self.data, Money):
            raise ValueError(f"{self.name} holds no amount")
        return self.data

    def _value(self) -> str:
        if isinstance(self.data, Money):
            return self.data.plain()
        return self.raw_data[0] if self.raw_data else ""


def _money_required(form: FlaskForm, field: Field) -> None:
    if field.data is None and not field.errors:
        raise ValidationError(_("Type an amount, e.g. 10.00."))


class TemplateForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[TextRequired(_l("Name the shift, e.g. Morning.")), _at_most(schedule.NAME_MAX)],
    )
    weekday = SelectField(
        _l("Day"),
        coerce=int,
        choices=options(enumerate(WEEKDAY_LABELS)),
        validators=[InputRequired()],
    )
    starts = TimeField(_l("Starts"), validators=[InputRequired(_l("When does it start?"))])
    ends = TimeField(_l("Ends"), validators=[InputRequired(_l("When does it end?"))])
    allowance = MoneyField(_l("Allowance"), validators=[_money_required])
    max_comps = CountField(_l("Most comps in the shift"))
    max_comps_per_staff = CountField(_l("Most comps per barista"))


class OverrideForm(FlaskForm):
    allowance = MoneyField(_l("New allowance for this shift"), validators=[_money_required])
    max_comps = CountField(_l("Most comps (empty: no cap)"))
    reason = TextAreaField(_l("Why"), validators=[TextRequired(_l("Say why, for the history."))])


class ItemForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=[TextRequired(_l("Name the item.")), _at_most(catalog.NAME_MAX)]
    )
    value = MoneyField(_l("Value"), validators=[_money_required])
    icon = StringField(_l("Icon (an emoji)"), validators=[TextRequired(_l("Pick an icon."))])
    per_shift_limit = CountField(_l("Most per shift (empty: no limit)"))
    prints_note = BooleanField(_l("Prints a friendly note"), default=True)
    suggested_notes = TextAreaField(_l("Suggested notes, one per line"))

    def notes(self) -> list[str]:
        return (self.suggested_notes.data or "").splitlines()


class StaffForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[TextRequired(_l("Give the staff member a name.")), _at_most(staff.NAME_MAX)],
    )
    role = SelectField(
        _l("Role"), choices=options([("barista", _l("Barista")), ("manager", _l("Manager"))])
    )
    pin = PasswordField(
        _l("PIN (4 to 8 digits)"),
        validators=[
            DataRequired(_l("Choose a PIN.")),
            Regexp(rf"^(?:{staff.PIN_PATTERN.pattern})$", message=_l("A PIN is 4 to 8 digits.")),
        ],
    )
    password = PasswordField(_l("Console password (managers, optional)"))


class PinForm(FlaskForm):
    pin = PasswordField(_l("New PIN"), validators=[DataRequired(_l("Type the new PIN."))])


class PasswordForm(FlaskForm):
    password = PasswordField(_l("New password (empty: PIN only)"))


class TokenForm(FlaskForm):
    name = StringField(
        _l("What it is for"),
        validators=[TextRequired(_l("Say what it is for.")), _at_most(tokens.NAME_MAX)],
    )
    role = SelectField(
        _l("Role"),
        choices=options(
            [("till", _l("Till")), ("barista", _l("Barista")), ("manager", _l("Manager"))]
        ),
    )
    staff = SelectField(
        _l("Speaks for"), coerce=int, choices=options([(0, _l("nobody (a shared till)"))])
    )


class BreakdownForm(FlaskForm):
    title = StringField(
        _l("What went wrong"),
        validators=[TextRequired(_l("Name the breakdown.")), _at_most(playbook.TITLE_MAX)],
    )
    recovery = TextAreaField(_l("The recovery to offer"))
    suggested_item_id = SelectField(
        _l("Suggested comp"), coerce=int, choices=options([(0, _l("none"))])
    )


class DeviceForm(FlaskForm):
    name = StringField(
        _l("This tablet's name"), validators=[DataRequired(_l("Name the tablet, e.g. Front till."))]
    )


class WebhookForm(FlaskForm):
    """A receiver's URL and the events it gets; the service checks both."""

    url = StringField(_l("Receiver URL"), validators=[DataRequired(_l("Give the receiver's URL."))])
    events = SelectMultipleField(
        _l("Events"),
        choices=[SelectChoice(event, event) for event in EVENTS],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired(_l("Choose at least one event."))],
    )
