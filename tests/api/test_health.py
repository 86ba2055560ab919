"""The health and readiness checks and the OpenAPI document: the doors open without a token."""

from dataclasses import replace

from pos_plugin.lifecycle import SCHEMA_HEAD


def test_healthz_answers_ok_without_a_token(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_openapi_document_describes_the_comp_endpoints(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    tap = spec["paths"]["/api/v1/comps"]["post"]
    body = tap["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/CompCreate")
    fields = spec["components"]["schemas"]["CompCreate"]
    assert fields["required"] == ["item_id"]
    assert fields["properties"]["note"]["maxLength"] == 280
    assert {"200", "201", "409"} <= set(tap["responses"])  # 200: a replayed key
    assert "Idempotency-Key" in {p["name"] for p in tap["parameters"]}
    assert "bearerAuth" in spec["components"]["securitySchemes"]


def test_the_document_says_errors_are_problem_details(client):
    spec = client.get("/api/v1/openapi.json").json
    tap = spec["paths"]["/api/v1/comps"]["post"]["responses"]
    over = tap["409"]["content"]["application/problem+json"]["schema"]
    assert over["$ref"].endswith("/AllowanceExceeded")
    assert {"401", "403", "422"} <= set(tap)
    unauthorized = spec["components"]["responses"]["UNAUTHORIZED"]
    assert list(unauthorized["content"]) == ["application/problem+json"]


def test_readyz_is_200_on_a_ready_store_with_each_check_in_words(client, schema_at):
    schema_at("head")

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json == {
        "status": "ready",
        "checks": {
            "database": {
                "status": "ok",
                "message": f"Reachable; its schema is up to date ({SCHEMA_HEAD}).",
            },
            "printer": {"status": "ok", "message": "No receipt printer is set up."},
            "sync": {
                "status": "ok",
                "message": "No business day has closed yet: nothing to send to head office.",
            },
        },
    }


def test_readyz_is_503_when_the_schema_is_behind_this_version(client, schema_at):
    schema_at("0008_partial_comp_indexes")

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json["status"] == "not ready"
    assert response.json["checks"]["database"] == {
        "status": "fail",
        "message": "The database is at schema 0008_partial_comp_indexes; this version needs "
        f"{SCHEMA_HEAD}. Run `pos-plugin init` to upgrade it (every record is kept).",
    }


def test_readyz_is_503_on_a_database_never_initialised(client):
    response = client.get("/readyz")

    assert response.status_code == 503
    database = response.json["checks"]["database"]
    assert database["status"] == "fail"
    assert database["message"].endswith("has no tables yet. Run `pos-plugin init`.")


def test_readyz_speaks_english_to_monitors_in_a_german_store(app, client, schema_at):
    app.config["POS_PLUGIN_SETTINGS"] = replace(
        app.config["POS_PLUGIN_SETTINGS"],
        store=replace(app.config["POS_PLUGIN_SETTINGS"].store, locale="de_DE"),
    )
    schema_at("head")

    response = client.get("/readyz")

    assert response.json["checks"]["printer"]["message"] == "No receipt printer is set up."
