"""The page guard for signed-in staff, and where to go back to after signing in.

Who is signed in is read by `pos_plugin.caller`, which the API shares.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from pos_plugin.caller import session_actor
from pos_plugin.models import Role

F = TypeVar("F", bound=Callable[..., ResponseReturnValue])


def signed_in(*roles: Role) -> Callable[[F], F]:
    """Guard a page: anonymous visitors go to sign-in (and come back), other roles get a 403."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            actor = session_actor()
            if actor is None:
                role = "manager" if roles == (Role.MANAGER,) else None
                target = request.full_path if request.query_string else request.path
                return redirect(url_for("web.signin", next=target, role=role))
            if roles and actor.role not in roles:
                return render_template("error.html", status=403), 403
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
