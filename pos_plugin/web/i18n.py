"""Translations (Flask-Babel): the pages speak the store's language, English by default.

The language comes from the store's configured locale (`[store] locale`), read
from the settings, so choosing it costs no database query.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from flask import Flask, current_app
from flask_babel import Babel

LANGUAGES = ("en", "de")
TRANSLATIONS = "web/translations"


def store_language() -> str:
    locale = current_app.config["POS_PLUGIN_SETTINGS"].store.locale
    try:
        language = Locale.parse(locale).language
    except (ValueError, UnknownLocaleError):
        return LANGUAGES[0]
    return language if language in LANGUAGES else LANGUAGES[0]


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", TRANSLATIONS)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", LANGUAGES[0])
    Babel(app, locale_selector=store_language)
    app.jinja_env.globals["page_language"] = store_language
