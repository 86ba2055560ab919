"""Tokens and roles: 401 without a valid token, 403 for the wrong role."""

import pytest

from pos_plugin.database import write_transaction
from pos_plugin.services import tokens
from pos_plugin.services.actors import SYSTEM


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nope", "Basic dXNlcjpwYXNz"])
def test_a_missing_or_unknown_token_is_401(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/catalog", headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json["status"] == 401


def test_a_revoked_token_is_401(app, client, auth, clock):
    headers = auth("till", name="old till")
    with app.app_context(), write_transaction():
        tokens.revoke_tokens_named(SYSTEM, "old till", clock.now)
    assert client.get("/api/v1/catalog", headers=headers).status_code == 401


def test_tokens_are_stored_only_as_a_hash(app, make_token):
    secret = make_token()
    with app.app_context():
        from pos_plugin.database import db
        from pos_plugin.models import ApiToken

        stored = db.session.query(ApiToken).one()
        assert secret not in (stored.token_hash, stored.name)
        assert len(stored.token_hash) == 64


@pytest.mark.parametrize(
    ("role", "method", "path", "allowed"),
    [
        ("till", "GET", "/api/v1/comps", True),
        ("barista", "GET", "/api/v1/comps", False),
        ("manager", "GET", "/api/v1/comps", True),
        ("barista", "GET", "/api/v1/catalog", True),
        ("till", "GET", "/api/v1/shifts/current", True),
    ],
)
def test_each_role_reaches_only_its_doors(client, auth, role, method, path, allowed):
    response = client.open(path, method=method, headers=auth(role))
    assert (response.status_code != 403) is allowed


def test_an_unknown_path_is_a_problem_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_a_wrong_method_is_a_problem_405(client, auth):
    response = client.delete("/api/v1/catalog", headers=auth("manager"))
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert "GET" in response.headers["Allow"]
