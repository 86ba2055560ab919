"""Every refusal a service raises reads in the store's language: its detail is a lazy
gettext string (`_l(...)`, `_ln(...)`) or a value passed on, never English typed inline."""

from __future__ import annotations

import ast
from pathlib import Path

from flask_babel import LazyString

import pos_plugin
from pos_plugin.services import errors

PACKAGE = Path(pos_plugin.__file__).parent
# Head office is not a store: it has no store language, and speaks English.
ENGLISH_ONLY = ("headoffice",)
ERRORS = {
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, errors.DomainError)
}
TRANSLATED = {"_l", "_ln"}


def _typed_inline(node: ast.expr) -> bool:
    """A string literal, an f-string, or English glued together from them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _typed_inline(node.left) or _typed_inline(node.right)
    return False


def _refusals() -> list[tuple[str, int, ast.Call]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.relative_to(PACKAGE).parts[0] in ENGLISH_ONLY:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else None
                name = node.func.id if isinstance(node.func, ast.Name) else name
                if name in ERRORS or name == "required_text":
                    found.append((str(path.relative_to(PACKAGE)), node.lineno, node))
    return found


def test_no_service_refusal_is_english_typed_inline():
    inline = []
    for where, line, call in _refusals():
        details = call.args[:1] if call.args else []
        details += [k.value for k in call.keywords if k.arg in ("detail", "empty")]
        if any(_typed_inline(detail) for detail in details):
            inline.append(f"{where}:{line}")
    assert len(_refusals()) > 90  # the guard sees the services' refusals
    assert inline == [], "wrap these in _l(...) with named parameters"


def test_every_error_title_is_translatable():
    untranslated = [
        name for name in ERRORS if not isinstance(getattr(errors, name).title, LazyString)
    ]
    assert untranslated == []
