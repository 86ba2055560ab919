"""The pages' static files under /assets, named by their content so a browser keeps them.

`url_for("web.static", filename="app.css")` gives `/assets/app.3f9c0b1d2e4a.css`: the
first 12 hex digits of the file's SHA-256 stand in its name. That name is answered
with a year's cache life and `immutable`, so a page load asks for nothing it has;
a new release changes the file, so the name, so browsers fetch it once, with no
build step and no manifest to keep. The digest is taken the first time a page
names the file and taken again whenever its size or modification time changes.

A name with a digest that is not the file's current one is a 404 (never another
version's bytes under it). The plain name still answers, revalidated on each use,
for whoever typed it.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, send_from_directory
from flask.typing import ResponseReturnValue
from werkzeug.security import safe_join

FOLDER = Path(__file__).resolve().parent / "static"
URL_PREFIX = "/assets"
ONE_YEAR = 365 * 24 * 60 * 60
DIGEST_LENGTH = 12

_HASHED = re.compile(rf"(?P<stem>.+)\.(?P<digest>[0-9a-f]{{{DIGEST_LENGTH}}})(?P<suffix>\.[^./]+)?")
# filename -> (size, mtime_ns, digest); a stat per lookup keeps it true to the file.
_digests: dict[str, tuple[int, int, str]] = {}
_lock = threading.Lock()


def digest_of(filename: str) -> str | None:
    """The current digest of a file in the static folder, or None if there is no such file."""
    path = safe_join(str(FOLDER), filename)
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    known = _digests.get(filename)
    if known is not None and known[:2] == (stat.st_size, stat.st_mtime_ns):
        return known[2]
    with open(path, "rb") as file:
        digest = hashlib.file_digest(file, "sha256").hexdigest()[:DIGEST_LENGTH]
    with _lock:
        _digests[filename] = (stat.st_size, stat.st_mtime_ns, digest)
    return digest


def hashed_name(filename: str) -> str:
    """`app.css` -> `app.<digest>.css`; a name with no file behind it is left as it is."""
    digest = digest_of(filename)
    if digest is None:
        return filename
    stem, dot, suffix = filename.rpartition(".")
    if not dot or "/" in suffix:
        return f"{filename}.{digest}"
    return f"{stem}.{digest}.{suffix}"


def _serve(filename: str) -> ResponseReturnValue:
    found = _HASHED.fullmatch(filename)
    if found is None:
        return send_from_directory(FOLDER, filename)  # a plain name: revalidated each time
    original = found["stem"] + (found["suffix"] or "")
    if digest_of(original) != found["digest"]:
        abort(404)
    response = send_from_directory(FOLDER, original, max_age=ONE_YEAR)
    response.cache_control.immutable = True
    return response


def _name_by_digest(endpoint: str, values: dict[str, Any]) -> None:
    if endpoint == "web.static" and isinstance(values.get("filename"), str):
        values["filename"] = hashed_name(values["filename"])


def register(bp: Blueprint) -> None:
    """Serve the static files on `bp` as its `static` endpoint, and name them by digest."""
    bp.add_url_rule(f"{URL_PREFIX}/<path:filename>", "static", _serve, methods=["GET"])
    bp.url_defaults(_name_by_digest)
