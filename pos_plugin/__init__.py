"""On the House: one-tap comps next to the till, inside a per-shift allowance."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from pos_plugin import settings as settings_module
from pos_plugin.database import db, engine_options, tune_engine
from pos_plugin.json_limits import LimitedJSONProvider
from pos_plugin.private_files import secure_data_directory


def _utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; `test_config` may carry `SETTINGS` and any Flask config key."""
    test_config = dict(test_config or {})
    settings = test_config.pop("SETTINGS", None) or settings_module.load()
    # Before anything opens the database: SQLite gives -wal and -shm the file's own mode.
    made_private = secure_data_directory(settings.home, settings.database_url)
    app = Flask(__name__, instance_path=str(settings.home))
    clock: Callable[[], datetime] = _utc_now
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(settings.database_url),
        POS_PLUGIN_SETTINGS=settings,
        # What this start found open to other users and closed (`pos-plugin doctor` says so).
        POS_PLUGIN_MADE_PRIVATE=made_private,
        POS_PLUGIN_CLOCK=clock,
        # A tap body is a few hundred bytes; anything near this is a mistake or abuse.
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    app.config.update(test_config)
    # request.get_json() and flask.json.loads read within the limits of json_limits.
    provider = LimitedJSONProvider(app)
    proxies = settings.server.trusted_proxies
    if proxies:
        # Behind that many reverse proxies (a TLS-terminating one, say): the client's address,
        # scheme, host and path prefix as they told it. Without them the headers are ignored,
        # so a client cannot claim HTTPS for itself (Flask's "Tell Flask it is Behind a Proxy").
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=proxies
        )
    # "£1.80", not "\u00a31.80", for whoever reads the API with curl.
    provider.ensure_ascii = False
    app.json = provider

    db.init_app(app)
    with app.app_context():
        tune_engine(db.engine)

    from pos_plugin import api, json_bodies, web
    from pos_plugin.printing import app as printing
    from pos_plugin.webhooks import outbox

    printing.init_app(app, settings)
    outbox.init_app(app)
    api.init_app(app)
    web.init_app(app)
    # Last: a body is read only once the API knows who is calling and the pages' CSRF held.
    json_bodies.init_app(app)
    return app
