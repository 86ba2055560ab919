"""On the House: one-tap comps next to the till, inside a per-shift allowance."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any
from weakref import WeakSet

from pos_plugin.startup import kept_for_good

with kept_for_good():  # modules live as long as the process
    from flask import Flask

    from pos_plugin import settings as settings_module
    from pos_plugin.database import db, tune_engine


def _utc_now() -> datetime:
    return datetime.now(UTC)


class _App(Flask):
    """Flask, asking once per view or hook whether it is a coroutine function.

    Flask asks on every call (the view, each hook, each flask-smorest layer), and
    `inspect` takes microseconds to answer: a tap asked about a dozen times.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Weak, so a function made per request (a bound method, a closure) is not kept.
        self._plain: WeakSet[Callable[..., Any]] = WeakSet()

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        if func in self._plain:
            return func
        sync = super().ensure_sync(func)
        if sync is func:
            with suppress(TypeError):  # a callable no weak reference can name: asked each time
                self._plain.add(func)
        return sync


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; `test_config` may carry `SETTINGS` and any Flask config key."""
    test_config = dict(test_config or {})
    settings = test_config.pop("SETTINGS", None) or settings_module.load()
    settings.home.mkdir(parents=True, exist_ok=True)
    app = _App(__name__, instance_path=str(settings.home))
    clock: Callable[[], datetime] = _utc_now
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        POS_PLUGIN_SETTINGS=settings,
        POS_PLUGIN_CLOCK=clock,
        # A tap body is a few hundred bytes; anything near this is a mistake or abuse.
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    app.config.update(test_config)
    # "£1.80", not "\u00a31.80", for whoever reads the API with curl.
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    db.init_app(app)
    with app.app_context():
        tune_engine(db.engine)

    from pos_plugin import api, web
    from pos_plugin.printing import app as printing

    printing.init_app(app, settings)
    api.init_app(app)
    web.init_app(app)
    return app
