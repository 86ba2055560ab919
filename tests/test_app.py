"""The app object itself: what it keeps across requests."""

import gc
import weakref


def test_a_function_made_for_one_request_is_not_kept_by_the_app(app):
    def made_for_one_request():
        return "done"

    assert app.ensure_sync(made_for_one_request)() == "done"
    assert app.ensure_sync(made_for_one_request) is made_for_one_request  # asked before: the same
    gone = weakref.ref(made_for_one_request)
    del made_for_one_request
    gc.collect()
    assert gone() is None
