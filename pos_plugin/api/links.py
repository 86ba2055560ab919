"""OpenAPI links: which answer's ids the next request may use, in the OpenAPI document.

flask-smorest generates operations and responses from the schemas; ids and
links it leaves to `Blueprint.doc`, its documented way to add to an operation
what it does not generate. Every operation gets an `operationId`, and an answer
that carries a comp, a list of comps, the catalog, the playbook or print jobs
links to the operations that take those ids (`$response.body#/id`). A client
may follow them; the suite's stateful fuzzing does (tests/api/test_fuzz.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask_smorest import Blueprint

F = TypeVar("F", bound=Callable[..., Any])
Link = dict[str, Any]

# The comp an answer carries (a tap, a read, a void), and the first of a list of them.
THE_COMP = "$response.body#/id"
FIRST = "$response.body#/0/id"


def link(
    operation_id: str,
    description: str,
    *,
    parameters: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
) -> Link:
    """A link to `operation_id`, its parameters (and body members) taken from this answer."""
    found: Link = {"operationId": operation_id, "description": description}
    if parameters:
        found["parameters"] = parameters
    if body:
        found["requestBody"] = body
    return found


def operation(
    blp: Blueprint, operation_id: str, links: dict[int, dict[str, Link]] | None = None
) -> Callable[[F], F]:
    """Name the operation, and give the answers with these statuses these links."""
    # Keyed by the int status, as flask-smorest keys the responses it generates, so that
    # `doc` merges the links into them instead of replacing them under a string key.
    responses = {status: {"links": named} for status, named in (links or {}).items()}
    extra: dict[str, Any] = {"responses": responses} if responses else {}
    return blp.doc(operationId=operation_id, **extra)


def to_comp(parameter: str = THE_COMP) -> dict[str, Link]:
    """The operations on one comp, its id taken from `parameter`."""
    comp_id = {"comp_id": parameter}
    return {
        "ReadTheComp": link("getComp", "read the comp again", parameters=comp_id),
        "VoidTheComp": link("voidComp", "undo the comp", parameters=comp_id),
        "PrintItsNote": link("getReceipt", "the comp's receipt note", parameters=comp_id),
    }
