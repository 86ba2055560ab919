"""Every JSON body the store's app takes is read once within `pos_plugin.json_limits`.

The API's schemas (webargs) and the pages' own endpoints parse bodies with
parsers of their own, which would recurse on deep nesting and keep the last of
two equal keys. So before any view runs, a JSON body is read through the app's
JSON provider (`LimitedJSONProvider`): too deep or with a key twice, it is a
400 problem and no view ever sees it.

Only a known caller's body is read. Registered last, this check runs after the
API settled who is calling (`api.gate`, which answers a stranger 401) and after
the pages' CSRF check; on a page's endpoint without a signed-in browser it
leaves the body alone, for the view to refuse the stranger without it.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask_babel import lazy_gettext as _l

from pos_plugin.api import gate
from pos_plugin.caller import session_actor
from pos_plugin.json_limits import MAX_DEPTH, DuplicateKey, TooDeep
from pos_plugin.problems import problem
from pos_plugin.text import scrub_text

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A key is the client's own text: show enough of it to find, never all of a huge one.
KEY_SHOWN = 64


def init_app(app: Flask) -> None:
    """Register, after every other check on who is calling, the read of each JSON body.

    `app.json` must be a `LimitedJSONProvider` (`create_app` makes it one first).
    """

    @app.before_request
    def _read_json_body_within_limits() -> Response | None:
        if request.method not in BODY_METHODS or not request.is_json:
            return None
        if not gate.settled() and session_actor() is None:
            return None  # a stranger on a page's endpoint: its view refuses them unread
        data = request.get_data(cache=True)
        if not data:
            return None
        try:
            current_app.json.loads(data)
        except TooDeep:
            return problem(
                400,
                _l("JSON nested too deeply"),
                _l(
                    "The body nests arrays and objects more than %(max)s levels deep; "
                    "no request to this service needs more than a few.",
                    max=MAX_DEPTH,
                ),
                "json-too-deep",
                max_depth=MAX_DEPTH,
            )
        except DuplicateKey as error:
            key = scrub_text(error.key)[:KEY_SHOWN]
            reason = str(_l("This key appears more than once in one object; send it once."))
            return problem(
                400,
                _l("Duplicate key in JSON"),
                f"{key}: {reason}",
                "duplicate-json-key",
                invalid_params=[{"name": key, "in": "json", "reason": reason}],
            )
        except ValueError:
            return problem(
                400,
                _l("Malformed JSON"),
                _l("The request body is not valid JSON."),
                "malformed-json",
            )
        return None
