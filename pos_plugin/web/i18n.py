"""Translations and formats (Flask-Babel): the pages speak the store's language, English by
default, and show dates, times and numbers in the store's locale and time zone.

The locale and zone come from the store's configuration (`[store] locale` and
`timezone`), read from the settings, so choosing them costs no database query.
A locale whose language has a catalogue (de_DE, fr_CA...) is used whole, so its
country's formats apply; any other reads English.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from flask import Flask, current_app
from flask_babel import Babel

from pos_plugin import labels
from pos_plugin.services import shifts
from pos_plugin.web import dates

LANGUAGES = ("en", "de", "fr")
TRANSLATIONS = "web/translations"


def store_locale() -> str:
    locale = current_app.config["POS_PLUGIN_SETTINGS"].store.locale
    try:
        language = Locale.parse(locale).language
    except (ValueError, UnknownLocaleError):
        return LANGUAGES[0]
    return str(locale) if language in LANGUAGES else LANGUAGES[0]


def page_language() -> str:
    """The page's `lang`: the language alone ("de"), as the translations speak it."""
    return Locale.parse(store_locale()).language


def store_timezone() -> str:
    return str(current_app.config["POS_PLUGIN_SETTINGS"].store.timezone)


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", TRANSLATIONS)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", LANGUAGES[0])
    Babel(app, locale_selector=store_locale, timezone_selector=store_timezone)
    app.jinja_env.globals.update(
        page_language=page_language,
        when=dates.when,
        clock=dates.clock,
        day=dates.day,
        short_day=dates.short_day,
        stamp=dates.stamp,
        label=labels.label,
        action_name=labels.action_name,
        entity_name=labels.entity_name,
        actor_name=labels.actor_name,
        shift_name=shifts.shown_name,
    )
