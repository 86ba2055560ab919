"""The WSGI server `pos-plugin serve` runs: cheroot as it comes, through its public API.

cheroot, because a store may serve its tablets over TLS and waitress has none of
its own; head office's server (`pos_plugin/headoffice/server.py`) serves TLS the
same way, with cheroot's `BuiltinSSLAdapter`. Plain HTTP runs on the same server,
so a store that turns TLS on changes nothing else. `make bench` measured cheroot
beside waitress (benchmarks/README.md): within a millisecond on a rush's p99 and
less CPU per tap. What it costs: a worker thread is held while a client is slow
to send its request or read its answer, up to the connection timeout (10 s); and
over TLS cheroot does the handshake in the loop that accepts connections, so a
client that connects and stays silent holds up new connections for as long
(cherrypy/cheroot#748, open): README's "Serving over TLS" offers a proxy instead.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter

IDENT = "pos-plugin"
# The listening socket's backlog. cheroot's default is 5: after a network blip every till
# and tablet reconnects at once, and connections beyond the backlog wait for the kernel to
# retry (a second or more).
BACKLOG = 1024


@dataclass(frozen=True)
class Listening:
    """A server already listening on `port`: `run()` serves until `stop()` (or Ctrl+C)."""

    port: int
    run: Callable[[], None]
    stop: Callable[[], None]


@dataclass(frozen=True)
class Certificate:
    """A PEM certificate (chain, the server's own first) and its unencrypted private key."""

    cert: Path
    key: Path


class CertificateError(Exception):
    """The certificate or key cannot be used; the message names the file and says why."""


def create_server(
    app: Any, *, host: str, port: int, threads: int, tls: Certificate | None = None
) -> Listening:
    """`app` behind cheroot, listening on (host, port) when this returns, over TLS with
    `tls`. No thread of the server's has started yet if it cannot listen.

    Raises CertificateError when `tls` cannot be loaded, before anything listens, and
    OSError when it cannot listen (the port is taken).
    """
    adapter = _adapter(tls) if tls is not None else None
    server = wsgi.Server(
        (host, port), app, numthreads=threads, server_name=IDENT, request_queue_size=BACKLOG
    )
    if adapter is not None:
        server.ssl_adapter = adapter
    # Binds and listens, then starts the worker threads: a taken port raises before them.
    server.prepare()

    def run() -> None:
        try:
            server.serve()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()  # its worker threads are not daemons: the process would not end

    return Listening(int(server.bind_addr[1]), run, server.stop)


def _adapter(tls: Certificate) -> BuiltinSSLAdapter:
    """cheroot's TLS adapter for `tls`, once a context of our own has loaded the same files.

    The check first, so each mistake is one line that names its file: ssl's own errors
    do not say which file they are about, and an encrypted key would make OpenSSL ask for
    its passphrase on the terminal of a server that has none.
    """
    for path in (tls.cert, tls.key):
        try:
            with path.open("rb"):
                pass
        except OSError as error:
            raise CertificateError(f"{path}: cannot be read ({error.strerror})") from None
        if path.is_dir():
            raise CertificateError(f"{path}: is a folder, not a PEM file")

    def no_passphrase() -> NoReturn:
        raise CertificateError(
            f"{tls.key}: the key is encrypted with a passphrase; "
            "give the server an unencrypted copy, readable by its user only"
        )

    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
            tls.cert, tls.key, password=no_passphrase
        )
    except ssl.SSLError as error:
        raise CertificateError(
            f"{tls.cert} and {tls.key}: not a PEM certificate and its matching private key "
            f"({error.reason or error})"
        ) from None
    return BuiltinSSLAdapter(str(tls.cert), str(tls.key))
