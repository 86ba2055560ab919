"""docs/api.md stays true to the API: every endpoint, every problem type, every answer's shape."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest

import pos_plugin
from pos_plugin import problems
from pos_plugin.services import errors as domain

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "api.md"
PACKAGE = Path(pos_plugin.__file__).parent
# Raised by the sign-in pages only, which answer in HTML: no API answer carries them.
PAGE_ONLY = {domain.WrongCredentials.slug, domain.SignInLocked.slug}
METHODS = ("get", "post", "patch", "put", "delete")


@pytest.fixture(scope="module")
def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


@pytest.fixture
def spec(client: Any) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/api/v1/openapi.json").json
    return document


def _slugs_of(cls: type[domain.DomainError]) -> set[str]:
    found = {cls.slug}
    for sub in cls.__subclasses__():
        found |= _slugs_of(sub)
    return found


def _slugs_passed_to_problem() -> set[str]:
    """The slugs the package hands `problem(...)` itself (its fourth argument), in any module."""
    found: set[str] = set()
    for module in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "problem"
                and len(node.args) >= 4
                and isinstance(node.args[3], ast.Constant)
                and isinstance(node.args[3].value, str)
            ):
                found.add(node.args[3].value)
    return found | {slug for _, _, slug in problems.UNAVAILABLE.values()}


def _json_examples(text: str) -> list[Any]:
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", text, re.S)]


def _objects(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return [value] if isinstance(value, dict) else []


def test_every_endpoint_of_the_openapi_document_is_in_the_guide(spec, guide):
    endpoints = [
        f"`{method.upper()} {path}`"
        for path, operations in spec["paths"].items()
        for method in operations
        if method in METHODS
    ]

    assert len(endpoints) >= 10
    missing = [endpoint for endpoint in endpoints if endpoint not in guide]
    assert missing == []
    assert "`GET /healthz`" in guide
    assert "`GET /api/v1/openapi.json`" in guide


def test_every_problem_type_the_api_can_answer_is_explained(guide):
    domain_slugs = _slugs_of(domain.DomainError) - {domain.DomainError.slug} - PAGE_ONLY
    slugs = domain_slugs | _slugs_passed_to_problem()

    assert {"allowance-exceeded", "malformed-json", "csrf-failed"} <= slugs
    missing = sorted(slug for slug in slugs if f"`/problems/{slug}`" not in guide)
    assert missing == []


def test_no_problem_type_in_the_guide_is_one_the_api_never_sends(guide):
    slugs = _slugs_of(domain.DomainError) - PAGE_ONLY | _slugs_passed_to_problem()

    documented = set(re.findall(r"/problems/([a-z-]+)", guide))

    assert documented - slugs == set()


@pytest.mark.parametrize(
    "schema", ["CatalogItem", "Shift", "Comp", "PrintJob", "PrinterStatus", "AllowanceExceeded"]
)
def test_each_answer_is_shown_with_exactly_the_members_the_api_sends(spec, guide, schema):
    properties = set(spec["components"]["schemas"][schema]["properties"])
    if schema == "AllowanceExceeded":
        properties -= {"invalid_params"}  # documented for problems in general; not sent here

    shapes = [set(obj) for example in _json_examples(guide) for obj in _objects(example)]

    assert properties in shapes, f"no example in docs/api.md has the members of {schema}"


def test_the_guide_is_valid_json_where_it_says_json_and_its_links_resolve(guide):
    assert _json_examples(guide)  # each block parsed
    links = re.findall(r"\]\(((?!https?:|#)[^)]+)\)", guide)
    assert links
    assert [link for link in links if not (GUIDE.parent / link).exists()] == []


def test_the_readme_sends_readers_to_the_guide_and_nowhere_outside_the_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")

    assert "(docs/api.md)" in readme
    assert "../shared" not in readme
    assert "design.md" not in readme
