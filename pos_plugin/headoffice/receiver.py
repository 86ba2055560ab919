"""The head office web app: the upload endpoint for `https` stores, and the report pages.

An upload is one file of a set, streamed to disk under a temporary name with
its size checked against the limit and its Content-Length, then renamed into
the store's inbox folder. Uploading the manifest (always last) ingests the
set and answers with the outcome: that answer is the store's acknowledgement.
Uploading the same file again is harmless.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from sqlalchemy import Engine

from pos_plugin.headoffice import ingest, stores
from pos_plugin.headoffice.database import read_session
from pos_plugin.settings import Settings
from pos_plugin.sync.fileset import fsync_directory, parse_name

CHUNK = 1024 * 1024
ENGINE = "pos_plugin.headoffice.engine"

bp = Blueprint("upload", __name__)


def create_app(
    settings: Settings,
    engine: Engine,
    clock: Callable[[], datetime] | None = None,
    *,
    uploads: bool = True,
    reports: bool = True,
) -> Flask:
    """The app of one listener: the upload endpoint, the signed-in pages, or both."""
    app = Flask(__name__)
    app.config.update(
        POS_PLUGIN_SETTINGS=settings,
        POS_PLUGIN_CLOCK=clock or (lambda: datetime.now(UTC)),
        MAX_CONTENT_LENGTH=settings.headoffice.max_upload_bytes,
    )
    app.extensions[ENGINE] = engine
    from pos_plugin.headoffice import access

    if uploads:
        app.register_blueprint(bp)
    access.init_app(app, pages=reports)
    return app


def engine() -> Engine:
    found: Engine = current_app.extensions[ENGINE]
    return found


def _settings() -> Settings:
    settings: Settings = current_app.config["POS_PLUGIN_SETTINGS"]
    return settings


def problem(status: int, title: str, detail: str) -> Response:
    response = jsonify(
        type=f"about:blank#{title.lower().replace(' ', '-')}",
        title=title,
        status=status,
        detail=detail,
    )
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


@bp.post("/api/v1/sync/upload/<name>")
def upload(name: str) -> Response:
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    with read_session(engine()) as session:
        store = stores.by_token(session, token) if token else None
        store_id = store.id if store else None
    if store_id is None:
        return problem(401, "Not authenticated", "Send the store's upload token as a Bearer token.")
    parsed = parse_name(name)
    if parsed is None:
        return problem(400, "Bad file name", f"{name!r} is not a file of a sync set.")
    if parsed[0].store_id != store_id:
        return problem(
            403, "Not allowed", f"This token uploads for {store_id}, not {parsed[0].store_id}."
        )
    length = request.content_length
    limit = _settings().headoffice.max_upload_bytes
    if length is None:
        return problem(411, "Length required", "Send a Content-Length header.")
    if length > limit:
        return problem(413, "Too large", f"{length} bytes is over the {limit}-byte limit.")
    inbox = _settings().in_home(_settings().headoffice.inbox) / store_id
    try:
        path = _receive(inbox, name, length, request.headers.get("X-Content-SHA256"))
    except ValueError as error:
        return problem(400, "Incomplete upload", str(error))
    if parsed[1] != "manifest.json":
        return _json(201, status="stored", detail=f"stored {name}")
    quarantine = _settings().in_home(_settings().headoffice.quarantine)
    outcome = ingest.ingest(engine(), path, quarantine, current_app.config["POS_PLUGIN_CLOCK"]())
    if outcome.refused:
        return problem(422, "Set refused", outcome.message)
    _archive(path, inbox / "archive")
    return _json(200, status=outcome.status, detail=outcome.message)


def _json(code: int, **body: str) -> Response:
    response = jsonify(body)
    response.status_code = code
    return response


def _receive(inbox: Path, name: str, length: int, sha256: str | None) -> Path:
    """Stream the body to a temporary file; rename it into place only when it is whole."""
    inbox.mkdir(mode=0o700, parents=True, exist_ok=True)
    temp = inbox / f".{name}.{secrets.token_hex(6)}.part"
    digest = hashlib.sha256()
    received = 0
    try:
        with temp.open("wb") as stream:
            while chunk := request.stream.read(CHUNK):
                received += len(chunk)
                if received > length:
                    break
                digest.update(chunk)
                stream.write(chunk)
            stream.flush()
            os.fsync(stream.fileno())
        if received != length:
            raise ValueError(f"received {received} bytes of the {length} announced")
        if sha256 is not None and digest.hexdigest() != sha256.lower():
            raise ValueError("the body's SHA-256 differs from X-Content-SHA256")
        os.replace(temp, inbox / name)
    finally:
        temp.unlink(missing_ok=True)
    fsync_directory(inbox)
    return inbox / name


def _archive(manifest_path: Path, archive: Path) -> None:
    """Ingested sets leave the inbox, so it only ever holds sets still to come."""
    parsed = parse_name(manifest_path.name)
    if parsed is None:
        return
    archive.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name in parsed[0].all_files():
        source = manifest_path.parent / name
        if source.exists():
            os.replace(source, archive / name)
