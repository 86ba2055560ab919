"""The pages' forms (WTForms): they parse and name the field at fault; the services decide."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, PasswordField
from wtforms.validators import DataRequired, NumberRange, Optional, Regexp

from pos_plugin.api.schemas import INT32_MAX


class SignInForm(FlaskForm):
    staff_id = IntegerField(
        _l("Who are you?"),
        validators=[
            DataRequired(_l("Pick your name from the list.")),
            NumberRange(min=1, max=INT32_MAX),
        ],
    )
    pin = PasswordField(
        _l("PIN"),
        validators=[Optional(), Regexp(r"^\d{4,8}$", message=_l("A PIN is 4 to 8 digits."))],
    )
    # Managers may sign in to the console with their password instead of the PIN.
    password = PasswordField(_l("Password"), validators=[Optional()])
    next = HiddenField()
    # "manager": the page that sent them wants a manager (the console, an approval).
    role = HiddenField()

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not self.pin.data and not self.password.data:
            self.pin.errors = [str(_l("Enter your PIN."))]
            return False
        return ok
