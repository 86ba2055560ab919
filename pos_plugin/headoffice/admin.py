"""The admins' pages: register, disable and enable stores; add people, set their password
or role, remove them. `access` lets only admins in; every rule is in `stores` and `users`."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from pos_plugin.headoffice import stores, users
from pos_plugin.headoffice.access import now
from pos_plugin.headoffice.database import read_session, write_session
from pos_plugin.headoffice.models import UserRole
from pos_plugin.headoffice.receiver import engine
from pos_plugin.problems import status_for
from pos_plugin.services.errors import DomainError, InvalidInput
from pos_plugin.sync.signing import SigningKeyError

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


def _stores_page(status: int = 200, **shown: str) -> ResponseReturnValue:
    with read_session(engine()) as db:
        found = stores.list_stores(db)
    return render_template("ho_stores.html", stores=found, **shown), status


def _users_page(status: int = 200, **shown: str) -> ResponseReturnValue:
    with read_session(engine()) as db:
        found = users.list_users(db)
    return render_template("ho_users.html", users=found, roles=list(UserRole), **shown), status


@bp.get("/stores")
def store_list() -> ResponseReturnValue:
    return _stores_page()


@bp.post("/stores")
def store_add() -> ResponseReturnValue:
    store_id = request.form.get("store_id", "").strip()
    key = request.form.get("key", "").strip()
    if not re.fullmatch(stores.STORE_ID_PATTERN, store_id):
        error = "Use 1-40 lower-case letters, digits and dashes for the store id, as in [store] id."
        return _stores_page(422, error=error, store_id=store_id, key=key)
    try:
        with write_session(engine()) as db:
            registration = stores.add_store(db, store_id, key, now())
    except SigningKeyError as error:
        return _stores_page(422, error=str(error), store_id=store_id, key=key)
    verb = "Re-keyed" if registration.replaced_key else "Registered"
    return _stores_page(
        message=f"{verb} store {store_id}.", token=registration.token, token_store=store_id
    )


@bp.post("/stores/<store_id>/disable")
def store_disable(store_id: str) -> ResponseReturnValue:
    return _set_disabled(store_id, True)


@bp.post("/stores/<store_id>/enable")
def store_enable(store_id: str) -> ResponseReturnValue:
    return _set_disabled(store_id, False)


def _set_disabled(store_id: str, disabled: bool) -> ResponseReturnValue:
    try:
        with write_session(engine()) as db:
            stores.set_disabled(db, store_id, disabled, now())
    except DomainError as error:
        return _stores_page(status_for(error), error=error.detail)
    flash(
        f"{store_id} is disabled: its uploads are refused."
        if disabled
        else f"{store_id} may upload again."
    )
    return redirect(url_for("admin.store_list"))


@bp.get("/users")
def user_list() -> ResponseReturnValue:
    return _users_page()


@bp.post("/users")
def user_add() -> ResponseReturnValue:
    name = request.form.get("name", "")
    password = request.form.get("password", "")
    try:
        if password != request.form.get("confirm", ""):
            raise InvalidInput("The two passwords differ.", field="confirm")
        with write_session(engine()) as db:
            users.add_user(db, name, _role(), password, now())
    except DomainError as error:
        return _users_page(status_for(error), error=error.detail, name=name)
    flash(f"{name.strip()} may sign in now.")
    return redirect(url_for("admin.user_list"))


@bp.post("/users/<name>/password")
def user_password(name: str) -> ResponseReturnValue:
    password = request.form.get("password", "")
    return _change(
        name, lambda db: users.set_password(db, name, password, now()), "has a new password"
    )


@bp.post("/users/<name>/role")
def user_role(name: str) -> ResponseReturnValue:
    done = f"is a {request.form.get('role')} now"
    return _change(name, lambda db: users.set_role(db, name, _role(), now()), done)


@bp.post("/users/<name>/remove")
def user_remove(name: str) -> ResponseReturnValue:
    return _change(name, lambda db: users.remove_user(db, name), "can no longer sign in")


def _change(name: str, change: Callable[[Session], object], done: str) -> ResponseReturnValue:
    try:
        with write_session(engine()) as db:
            change(db)
    except DomainError as error:
        return _users_page(status_for(error), error=error.detail)
    flash(f"{name} {done}.")
    return redirect(url_for("admin.user_list"))


def _role() -> UserRole:
    try:
        return UserRole(request.form.get("role", ""))
    except ValueError:
        raise InvalidInput("Choose viewer or admin.", field="role") from None
