"""The pages staff use in a browser: sign-in, the barista tablet, and what they share.

`init_app` binds what every page needs (secret key, session cookie, CSRF,
security headers, translations, error pages) and registers the blueprints.
Pages are thin: they parse a form, call one service function and render.
Other page blueprints extend `base.html`, guard views with
`session.signed_in(*roles)` and load assets from `url_for("web.static", ...)`.
"""

from __future__ import annotations

from flask import Flask

from pos_plugin.web import errors, i18n, security


def init_app(app: Flask) -> None:
    security.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)

    from pos_plugin.caller import signed_in_staff
    from pos_plugin.web import manage, signin, tablet

    app.register_blueprint(signin.bp)
    app.register_blueprint(tablet.bp)
    app.register_blueprint(manage.bp)

    @app.context_processor
    def _page_globals() -> dict[str, object]:
        settings = app.config["POS_PLUGIN_SETTINGS"]
        return {"store_name": settings.store.name, "signed_in_staff": signed_in_staff}
