"""Error pages for people: a page in words, never a traceback and never the API's JSON."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from pos_plugin.database_faults import Fault
from pos_plugin.problems import ERROR_PAGE, is_page_request, problem


def page_for(error: HTTPException, fault: Fault | None = None) -> Response:
    status = error.code or 500
    messages = {
        403: _("This page is not for your role. Ask a manager."),
        404: _("There is no such page."),
        500: _("Something went wrong on our side; nothing was recorded. Try again."),
    }
    unavailable = {
        Fault.BUSY: _("The database is busy; nothing was recorded. Try again in a moment."),
        Fault.CONNECTION_LOST: _(
            "The database cannot be reached; nothing was recorded. Try again in a moment."
        ),
        Fault.DISK_FULL: _(
            "The till PC's disk is full, so nothing was recorded. "
            "Free some space on it, then try again."
        ),
    }
    message = unavailable[fault] if fault is not None else messages.get(status)
    html = render_template("error.html", status=status, message=message)
    response = Response(html, status=status, mimetype="text/html")
    for name, value in error.get_headers():  # Retry-After on a 503
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def init_app(app: Flask) -> None:
    # The API's handler answers every HTTP error; it hands page requests back to us.
    app.extensions[ERROR_PAGE] = page_for

    @app.errorhandler(CSRFError)
    def _csrf_refused(error: CSRFError) -> Response:
        if not is_page_request() or request.is_json:  # a page's fetch wants JSON back
            return problem(
                403,
                _("CSRF check failed"),
                _(
                    "A request made with the browser session needs the page's CSRF token "
                    "in the X-CSRFToken header; reload the page and try again."
                ),
                "csrf-failed",
            )
        html = render_template(
            "error.html",
            status=403,
            message=_("This form was out of date. Go back, reload the page and try again."),
        )
        return Response(html, status=403, mimetype="text/html")
