"""Who may see head office's pages: sign-in and sign-out, the guard on every page, CSRF and
the security headers.

Every page and CSV needs a signed-in person (`signin.find` on each request): a page
sends the browser to sign in and back, a CSV answers 401. The admin pages need an
admin (403 otherwise). Uploads keep their own bearer-token check and skip all of it,
save the security headers, which every answer carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError

from pos_plugin import browser_security as security
from pos_plugin.browser_security import WRITE_METHODS, csrf, safe_next
from pos_plugin.headoffice import signin
from pos_plugin.headoffice.database import write_session
from pos_plugin.headoffice.models import UserRole
from pos_plugin.headoffice.receiver import engine, problem
from pos_plugin.problems import status_for

COOKIE = "ho_session"
SECRET_KEY_FILE = "headoffice_secret_key"
SESSION_KEY = "ho"
# Reached without signing in: the sign-in page itself and the stylesheet.
PUBLIC = frozenset({"access.signin_page", "access.signin_submit", "access.static"})
ADMIN_BLUEPRINT = "admin"

bp = Blueprint(
    "access",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)


@dataclass(frozen=True)
class SignedIn:
    """The person this request is from (kept in `g.user` for views and templates)."""

    name: str
    role: UserRole

    @property
    def admin(self) -> bool:
        return self.role is UserRole.ADMIN


def init_app(app: Flask, *, pages: bool) -> None:
    """Security headers on every answer; with `pages`, the pages and their guard too."""
    security.add_security_headers(app, "access.static", hsts=True)
    if not pages:
        return
    from pos_plugin.headoffice import admin
    from pos_plugin.headoffice import pages as report_pages

    home = app.config["POS_PLUGIN_SETTINGS"].home
    home.mkdir(mode=0o700, parents=True, exist_ok=True)  # `serve` made it; a test may not have
    security.configure_cookies(app, home, COOKIE, SECRET_KEY_FILE)
    app.register_blueprint(bp)
    app.register_blueprint(report_pages.bp)
    app.register_blueprint(admin.bp)
    app.before_request(_check_csrf)
    app.before_request(_guard)
    app.register_error_handler(CSRFError, _csrf_refused)


def now() -> datetime:
    """The request's clock (tests move it past the timeouts)."""
    moment: datetime = current_app.config["POS_PLUGIN_CLOCK"]()
    return moment


def _check_csrf() -> None:
    # No endpoint: the answer is a 404 or 405, which a CSRF refusal would only hide.
    if request.method in WRITE_METHODS and request.blueprint != "upload" and request.endpoint:
        csrf.protect()


def _guard() -> ResponseReturnValue | None:
    if request.blueprint == "upload" or request.endpoint is None or request.endpoint in PUBLIC:
        return None
    user = _signed_in()
    if user is None:
        if request.path.endswith(".csv"):
            return problem(401, "Not signed in", "Sign in to head office to download reports.")
        target = request.full_path if request.query_string else request.path
        return redirect(url_for("access.signin_page", next=target))
    g.user = user
    if request.blueprint == ADMIN_BLUEPRINT and not user.admin:
        return error_page(403, "Only an admin may manage stores and people."), 403
    return None


def _signed_in() -> SignedIn | None:
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        return None
    with write_session(engine()) as db:
        user = signin.find(db, token, now())
        found = None if user is None else SignedIn(user.name, user.role)
    if found is None:
        session.pop(SESSION_KEY, None)
    return found


def error_page(status: int, detail: str) -> str:
    return render_template("ho_error.html", status=status, detail=detail)


def _csrf_refused(error: CSRFError) -> ResponseReturnValue:
    detail = (
        "This form has expired or did not come from this site. "
        "Go back, reload the page and try again."
    )
    if request.blueprint == "upload":
        return problem(400, "CSRF check failed", detail)
    return error_page(400, detail), 400


@bp.get("/signin")
def signin_page() -> ResponseReturnValue:
    return render_template("ho_signin.html", next=safe_next(request.args.get("next")) or "")


@bp.post("/signin")
def signin_submit() -> ResponseReturnValue:
    name = request.form.get("name", "").strip()
    target = safe_next(request.form.get("next")) or ""
    with write_session(engine()) as db:
        outcome = signin.sign_in(
            db, name, request.form.get("password", ""), request.remote_addr or "", now()
        )
    if outcome.refusal is not None:
        headers = {}
        if "retry_after" in outcome.refusal.extra:
            headers["Retry-After"] = str(outcome.refusal.extra["retry_after"])
        page = render_template(
            "ho_signin.html", next=target, name=name, error=outcome.refusal.detail
        )
        return page, status_for(outcome.refusal), headers
    session.clear()
    session[SESSION_KEY] = outcome.token
    return redirect(target or url_for("reports.overview"))


@bp.post("/signout")
def signout() -> ResponseReturnValue:
    token = session.get(SESSION_KEY)
    if isinstance(token, str):
        with write_session(engine()) as db:
            signin.sign_out(db, token, now())
    session.clear()
    return redirect(url_for("access.signin_page"))
