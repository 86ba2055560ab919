"""Error pages for people: a page in words, never a traceback and never the API's JSON."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from pos_plugin.api.errors import problem


def page_for(error: HTTPException) -> Response:
    status = error.code or 500
    messages = {
        403: _("This page is not for your role. Ask a manager."),
        404: _("There is no such page."),
        500: _("Something went wrong on our side; nothing was recorded. Try again."),
    }
    html = render_template("error.html", status=status, message=messages.get(status))
    return Response(html, status=status, mimetype="text/html")


def is_page_request() -> bool:
    return not request.path.startswith("/api/") and request.path != "/healthz"


def init_app(app: Flask) -> None:
    # The API's handler answers every HTTP error; it hands page requests back to us.
    app.extensions["pos_plugin_error_page"] = page_for

    @app.errorhandler(CSRFError)
    def _csrf_refused(error: CSRFError) -> Response:
        if not is_page_request() or request.is_json:  # a page's fetch wants JSON back
            return problem(
                403,
                "CSRF check failed",
                "A request made with the browser session needs the page's CSRF token "
                "in the X-CSRFToken header; reload the page and try again.",
                "csrf-failed",
            )
        html = render_template(
            "error.html",
            status=403,
            message=_("This form was out of date. Go back, reload the page and try again."),
        )
        return Response(html, status=403, mimetype="text/html")
