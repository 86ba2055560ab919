"""The console's blueprint and what every console view shares: the manager, the clock,
money and local times on the page, and service refusals turned into messages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from flask import Blueprint, current_app, flash, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from pos_plugin.browser_security import safe_next
from pos_plugin.caller import now, session_actor
from pos_plugin.database import write_transaction
from pos_plugin.models import Role
from pos_plugin.money import Money
from pos_plugin.services.actors import Actor
from pos_plugin.services.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from pos_plugin.web.session import signed_in

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., ResponseReturnValue])

bp = Blueprint("manage", __name__, url_prefix="/manage")

# Service field names that a form spells differently ("value.amount" is the form's "value").
FIELD_ALIASES = {"staff_id": "staff"}


def manager_page(view: F) -> F:
    """Every console view: a signed-in manager, or sign-in (anonymous) or 403 (other roles).

    The services check the manager's permission again on every call.
    """
    return signed_in(Role.MANAGER)(view)


def manager() -> Actor:
    actor = session_actor()
    if actor is None:  # manager_page let the view run, so this cannot happen
        raise PermissionDenied(_l("Sign in as a manager."))
    return actor


def clock() -> datetime:
    return now()


def attempt(form: FlaskForm | None, call: Callable[[], T]) -> T | None:
    """Run one service call in its own transaction; bad input becomes the message next to
    its field (or at the top of the form), and nothing is written."""
    try:
        with write_transaction():
            return call()
    except InvalidInput as error:
        show_refusal(form, error)
        return None


def show_refusal(form: FlaskForm | None, error: InvalidInput) -> None:
    """The service's words next to the field it names, else above the form (or flashed)."""
    field = _field(form, error.field)
    if field is not None:
        field.errors = [*field.errors, str(error.detail)]
    elif form is not None:
        form.form_errors.append(str(error.detail))
    else:
        flash(str(error.detail), "error")


def _field(form: FlaskForm | None, name: str | None) -> Any:
    if form is None or not name:
        return None
    name = FIELD_ALIASES.get(name, name.split(".")[0])
    return next((field for field in form if field.name == name), None)


def back(default: str) -> ResponseReturnValue:
    """After a button's action: back to the page it was pressed on."""
    return redirect(safe_next(request.form.get("next")) or default)


def page(name: str, /, **context: Any) -> str:
    return render_template(f"manage/{name}", **context)


def _store_settings() -> Any:
    return current_app.config["POS_PLUGIN_SETTINGS"].store


def money(amount: int | None) -> str:
    if amount is None:
        return ""
    store = _store_settings()
    return Money(amount, store.currency).format(store.locale)


@bp.app_context_processor
def _helpers() -> dict[str, object]:
    return {"money": money, "now_utc": clock}


@bp.errorhandler(NotFound)
def _not_found(error: NotFound) -> ResponseReturnValue:
    return render_template("error.html", status=404, message=error.detail), 404


@bp.errorhandler(PermissionDenied)
def _forbidden(error: PermissionDenied) -> ResponseReturnValue:
    return render_template("error.html", status=403, message=error.detail), 403


@bp.errorhandler(DomainError)
def _refused(error: DomainError) -> ResponseReturnValue:
    return render_template("error.html", status=422, message=error.detail), 422
