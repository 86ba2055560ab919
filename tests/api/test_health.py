"""The health check and the OpenAPI document: the two doors open without a token."""


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
