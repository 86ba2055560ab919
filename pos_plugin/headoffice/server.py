"""Serving the head office app: cheroot, with TLS when a certificate is configured.

cheroot rather than waitress here because stores upload over HTTPS and
waitress has no TLS of its own.
"""

from __future__ import annotations

from pathlib import Path

from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter
from flask import Flask

THREADS = 8


def make_server(
    app: Flask, host: str, port: int, tls_cert: Path | None = None, tls_key: Path | None = None
) -> wsgi.Server:
    """A server not yet listening: `prepare()` binds it, `serve()` runs it, `stop()` ends it."""
    server = wsgi.Server((host, port), app, numthreads=THREADS, server_name="pos-plugin-headoffice")
    # No keep-alive: on a connection it would keep, cheroot reads the rest of a body the
    # app refused (a 300 MiB upload with a wrong token) before it answers. Closing after
    # each answer sends a refusal at once, and the store reads it after its send breaks off.
    server.keep_alive_conn_limit = 0
    if tls_cert is not None and tls_key is not None:
        server.ssl_adapter = BuiltinSSLAdapter(str(tls_cert), str(tls_key))
    return server


def bound_port(server: wsgi.Server) -> int:
    return int(server.bind_addr[1])
