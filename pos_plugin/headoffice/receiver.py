"""The head office web app: the upload endpoint for `https` stores, and the report pages.

An upload is one file of a set. Its token, name, length and the store's quota
of waiting files are all checked before one byte of the body is read (the
server closes the connection after each answer, so a refusal goes out at
once instead of after the body). The body is streamed to disk under a
temporary name, checked against its length and SHA-256, and renamed into the
store's inbox folder. The manifest (always last) is answered 202 and wakes the
ingest worker (`worker.py`); `GET` on the manifest's name then tells the store
what became of its set: that answer is its acknowledgement. Uploading the same
file again is harmless. No answer names a path on head office's disk.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from flask_babel import Babel
from sqlalchemy import Engine
from werkzeug.exceptions import RequestEntityTooLarge

from pos_plugin.headoffice import ingest, stores
from pos_plugin.headoffice.database import read_session
from pos_plugin.headoffice.inbox import MANIFEST_KIND, OverQuota, Quota, forget_outcome, outcome_of
from pos_plugin.headoffice.worker import WORKER
from pos_plugin.settings import Settings
from pos_plugin.sync import manifest
from pos_plugin.sync.fileset import fsync_directory, parse_name

CHUNK = 1024 * 1024
ENGINE = "pos_plugin.headoffice.engine"
QUOTA = "pos_plugin.headoffice.quota"

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
    # Head office reads English; the refusals it shares with the store (a name's rules, say)
    # are lazy strings, which Flask-Babel renders.
    Babel(app, locale_selector=lambda: "en", timezone_selector=lambda: "UTC")
    ho = settings.headoffice
    app.extensions[QUOTA] = Quota(ho.max_waiting_files, ho.max_waiting_bytes)
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


class Rejected(Exception):
    """An upload refused before its body is read: the answer to send instead."""

    def __init__(self, answer: Response) -> None:
        self.answer = answer


@bp.errorhandler(Rejected)
def _rejected(rejected: Rejected) -> Response:
    return rejected.answer


def _store_for(name: str) -> tuple[Path, str]:
    """(the store's inbox folder, the file's kind) of a file the token may send or ask about;
    `Rejected` otherwise."""
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    with read_session(engine()) as session:
        store = stores.by_token(session, token) if token else None
        store_id = store.id if store else None
    if store_id is None:
        raise Rejected(
            problem(401, "Not authenticated", f"{name}: send the store's upload token (Bearer).")
        )
    parsed = parse_name(name)
    if parsed is None:
        raise Rejected(problem(400, "Bad file name", f"{name!r} is not a file of a sync set."))
    if parsed[0].store_id != store_id:
        raise Rejected(
            problem(
                403,
                "Not allowed",
                f"{name}: this token uploads for {store_id}, not {parsed[0].store_id}.",
            )
        )
    return _settings().in_home(_settings().headoffice.inbox) / store_id, parsed[1]


@bp.post("/api/v1/sync/upload/<name>")
def upload(name: str) -> Response:
    inbox, kind = _store_for(name)
    limit = _settings().headoffice.max_upload_bytes
    if kind == MANIFEST_KIND:  # a manifest is small; a large one would only fill quarantine
        limit = min(limit, manifest.MANIFEST_MAX_BYTES)
    length = request.content_length
    if length is None and request.headers.get("Transfer-Encoding", "").lower() != "chunked":
        return problem(411, "Length required", f"{name}: send a Content-Length header.")
    if length is not None and length > limit:
        return problem(413, "Too large", f"{name}: {length} bytes is over the {limit}-byte limit.")
    quota: Quota = current_app.extensions[QUOTA]
    try:
        if kind == MANIFEST_KIND:
            path = _receive(inbox, name, length, limit)
        else:
            with quota.admit(inbox, name, limit if length is None else length):
                path = _receive(inbox, name, length, limit)
    except OverQuota as over:
        return _over_quota(name, over, quota)
    except RequestEntityTooLarge:
        return problem(413, "Too large", f"{name}: the body is over the {limit}-byte limit.")
    except ValueError as error:
        return problem(400, "Incomplete upload", f"{name}: {error}")
    if kind != MANIFEST_KIND:
        return _json(201, status="stored", detail=f"stored {name}")
    forget_outcome(inbox, path.name)
    worker = current_app.extensions.get(WORKER)
    if worker is not None:
        worker.wake()
    return _json(202, status="queued", detail=f"{name}: the set is queued to be ingested")


def _over_quota(name: str, over: OverQuota, quota: Quota) -> Response:
    response = problem(
        429,
        "Too many files waiting",
        f"{name}: {over.waiting.files} files ({over.waiting.bytes} bytes) of this store already "
        f"wait for their manifest, and at most {quota.max_files} files or {quota.max_bytes} "
        "bytes may; files waiting over a day are removed, so try again later.",
    )
    response.headers["Retry-After"] = "3600"
    return response


@bp.get("/api/v1/sync/upload/<name>")
def outcome(name: str) -> Response:
    """What became of the set whose manifest is `name`: the store's acknowledgement."""
    inbox, kind = _store_for(name)
    if kind != MANIFEST_KIND:
        return problem(400, "Not a manifest", f"{name}: only a set's manifest has an outcome.")
    if (inbox / name).exists():
        return _json(202, status="queued", detail=f"{name}: the set is queued to be ingested")
    found = outcome_of(inbox, name)
    if found is None:
        return problem(404, "Not received", f"{name}: head office has no such set waiting.")
    if found.status == ingest.REFUSED:
        return problem(422, "Set refused", found.detail)
    return _json(200, status=found.status, detail=found.detail)


def _json(code: int, **body: str) -> Response:
    response = jsonify(body)
    response.status_code = code
    return response


def _receive(inbox: Path, name: str, length: int | None, limit: int) -> Path:
    """Stream the body to a temporary file; rename it into place only when it is whole.

    `ValueError` when it is not whole or not what X-Content-SHA256 says; a body without
    a length is read up to the limit (werkzeug's `RequestEntityTooLarge` past it).
    """
    inbox.mkdir(mode=0o700, parents=True, exist_ok=True)
    temp = inbox / f".{name}.{secrets.token_hex(6)}.part"
    sha256 = request.headers.get("X-Content-SHA256")
    digest = hashlib.sha256()
    received = 0
    try:
        with temp.open("wb") as stream:
            while chunk := request.stream.read(CHUNK):
                received += len(chunk)
                if received > (limit if length is None else length):
                    break
                digest.update(chunk)
                stream.write(chunk)
            stream.flush()
            os.fsync(stream.fileno())
        if length is None and received > limit:
            raise RequestEntityTooLarge()
        if length is not None and received != length:
            raise ValueError(f"received {received} bytes of the {length} announced")
        if sha256 is not None and digest.hexdigest() != sha256.lower():
            raise ValueError("the body's SHA-256 differs from X-Content-SHA256")
        os.replace(temp, inbox / name)
    finally:
        temp.unlink(missing_ok=True)
    fsync_directory(inbox)
    return inbox / name
