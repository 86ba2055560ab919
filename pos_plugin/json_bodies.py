"""Every JSON body the store's app takes is read once within `pos_plugin.json_limits`.

The API's schemas (webargs) and the pages' own endpoints parse bodies with
parsers of their own, which would recurse on deep nesting and keep the last of
two equal keys. So before any view runs, a JSON body is read through the app's
JSON provider (`LimitedJSONProvider`): too deep or with a key twice, it is a
400 problem and no view ever sees it. Registered last, this check runs after
the API settled who is calling (`api.gate`) and after the pages' CSRF check:
a stranger's body is never parsed at all.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

from pos_plugin.json_limits import MAX_DEPTH, DuplicateKey, LimitedJSONProvider, TooDeep
from pos_plugin.problems import problem
from pos_plugin.text import scrub_text

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A key is the client's own text: show enough of it to find, never all of a huge one.
KEY_SHOWN = 64


def use_limited_json(app: Flask) -> None:
    """The app's `request.get_json()` and `flask.json.loads` read within the limits."""
    provider = LimitedJSONProvider(app)
    # "£1.80", not "\u00a31.80", for whoever reads the API with curl.
    provider.ensure_ascii = False
    app.json = provider


def refuse_unreadable_json(app: Flask) -> None:
    """Register, after every other check on who is calling, the read of each JSON body."""

    @app.before_request
    def _read_json_body_within_limits() -> Response | None:
        if request.method not in BODY_METHODS or not request.is_json:
            return None
        data = request.get_data(cache=True)
        if not data:
            return None
        try:
            current_app.json.loads(data)
        except TooDeep:
            return problem(
                400,
                "JSON nested too deeply",
                f"The body nests arrays and objects more than {MAX_DEPTH} levels deep; "
                "no request to this service needs more than a few.",
                "json-too-deep",
                max_depth=MAX_DEPTH,
            )
        except DuplicateKey as error:
            key = scrub_text(error.key)[:KEY_SHOWN]
            reason = "This key appears more than once in one object; send it once."
            return problem(
                400,
                "Duplicate key in JSON",
                f"{key}: {reason}",
                "duplicate-json-key",
                invalid_params=[{"name": key, "in": "json", "reason": reason}],
            )
        except ValueError:
            return problem(
                400, "Malformed JSON", "The request body is not valid JSON.", "malformed-json"
            )
        return None
