"""When something breaks on our side the caller still gets a problem document, no traceback."""

import pytest
from sqlalchemy.exc import OperationalError

from pos_plugin.services import catalog


@pytest.fixture
def unpropagated(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def test_an_unexpected_error_is_a_500_problem_without_a_traceback(
    unpropagated, client, auth, monkeypatch
):
    headers = auth("barista")

    def broken(actor):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(catalog, "list_items", broken)
    response = client.get("/api/v1/catalog", headers=headers)
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_busy_or_unreachable_database_is_a_retryable_503(unpropagated, client, auth, monkeypatch):
    headers = auth("barista")

    def locked(actor):
        raise OperationalError("SELECT 1", {}, Exception("database is locked"))

    monkeypatch.setattr(catalog, "list_items", locked)
    response = client.get("/api/v1/catalog", headers=headers)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert response.json["type"].endswith("database-unavailable")
