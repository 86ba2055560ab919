"""Serving the head office apps: cheroot, with TLS when a certificate is configured; one
address for uploads and reports, or one for each.

cheroot rather than waitress here because stores upload over HTTPS and
waitress has no TLS of its own.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter
from flask import Flask

THREADS = 8
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Listener:
    """One address and the app it serves (`serves` says what, for the start-up line)."""

    app: Flask
    address: tuple[str, int]
    serves: str
    takes_uploads: bool = True


def make_server(
    app: Flask,
    host: str,
    port: int,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
    *,
    takes_uploads: bool = True,
) -> wsgi.Server:
    """A server not yet listening: `prepare()` binds it, `serve()` runs it, `stop()` ends it."""
    server = wsgi.Server((host, port), app, numthreads=THREADS, server_name="pos-plugin-headoffice")
    if takes_uploads:
        # No keep-alive: on a connection it would keep, cheroot reads the rest of a body the
        # app refused (a 300 MiB upload with a wrong token) before it answers. Closing after
        # each answer sends a refusal at once, and the store reads it after its send breaks
        # off. Report pages served apart keep their connections.
        server.keep_alive_conn_limit = 0
    if tls_cert is not None and tls_key is not None:
        server.ssl_adapter = BuiltinSSLAdapter(str(tls_cert), str(tls_key))
    return server


def bound_port(server: wsgi.Server) -> int:
    return int(server.bind_addr[1])


def serve_all(
    listeners: list[Listener],
    tls_cert: Path | None,
    tls_key: Path | None,
    say: Callable[[str], object],
) -> None:
    """Bind every listener (an `OSError` naming the address that cannot), then serve them
    all until Ctrl+C: the first in this thread, the others in threads of their own."""
    servers: list[wsgi.Server] = []
    try:
        for listener in listeners:
            host, port = listener.address
            server = make_server(
                listener.app, host, port, tls_cert, tls_key, takes_uploads=listener.takes_uploads
            )
            try:
                server.prepare()
            except OSError as error:
                raise OSError(f"Cannot listen on {host}:{port}: {error}") from None
            servers.append(server)
            where = f"{'https' if tls_cert else 'http'}://{host}:{bound_port(server)}/"
            log.info("Head office is serving on %s (%s)", where, listener.serves)
            say(f"Head office is serving on {where} ({listener.serves})")
        for server in servers[1:]:
            threading.Thread(target=server.serve, daemon=True).start()
        say("Uploads go to /api/v1/sync/upload/. Ctrl+C stops it.")
        with contextlib.suppress(KeyboardInterrupt):
            servers[0].serve()
    finally:
        for server in servers:
            server.stop()
