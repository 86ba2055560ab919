"""`pos-plugin headoffice ...`: register stores, ingest file sets, serve uploads and reports."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from pos_plugin import logging_setup
from pos_plugin import settings as settings_module
from pos_plugin.cli import start_logging
from pos_plugin.headoffice import database, ingest, stores
from pos_plugin.private_files import NotPrivate, secure_data_directory
from pos_plugin.settings import Settings, SettingsError
from pos_plugin.sync.signing import SigningKeyError

log = logging.getLogger(__name__)
DB_OPTION = click.option(
    "--db", "url", metavar="URL", help="Head office database (default: [headoffice] database_url)."
)


def _settings() -> Settings:
    try:
        return settings_module.load()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


@contextmanager
def _database(url: str | None) -> Iterator[tuple[Settings, Engine]]:
    settings = _settings()
    url = url or settings.headoffice_database_url
    try:
        secure_data_directory(settings.home, url)
    except NotPrivate as error:
        raise click.ClickException(str(error)) from None
    try:
        engine = database.open_database(url)
    except DBAPIError as error:
        raise click.ClickException(
            f"The head office database cannot be used: {error.orig}"
        ) from None
    try:
        yield settings, engine
    except DBAPIError as error:
        raise click.ClickException(f"The head office database failed: {error.orig}") from None
    finally:
        engine.dispose()


@click.group()
def headoffice() -> None:
    """Head office: receive, verify and consolidate the stores' nightly files."""


@headoffice.command("add-store")
@click.argument("store_id")
@click.option("--key", required=True, help="The key `pos-plugin sync key` printed at the store.")
@DB_OPTION
def add_store(store_id: str, key: str, url: str | None) -> None:
    """Register a store's signing key; prints its upload token for the https transport."""
    if not re.fullmatch(stores.STORE_ID_PATTERN, store_id):
        raise click.BadParameter(
            "use 1-40 lower-case letters, digits and dashes, as in [store] id",
            param_hint="STORE_ID",
        )
    with _database(url) as (_, engine), database.write_session(engine) as session:
        try:
            registration = stores.add_store(session, store_id, key, datetime.now(UTC))
        except SigningKeyError as error:
            raise click.BadParameter(str(error), param_hint="--key") from None
    verb = "Re-keyed" if registration.replaced_key else "Registered"
    click.echo(f"{verb} store {store_id} (key {registration.store.key_id}).")
    click.echo("Its upload token for [sync] https_token (shown only now):")
    click.echo(registration.token)


@headoffice.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@DB_OPTION
@click.option(
    "--quarantine",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where refused sets go (default: [headoffice] quarantine).",
)
def ingest_command(paths: tuple[Path, ...], url: str | None, quarantine: Path | None) -> None:
    """Verify and ingest file sets (manifests, any file of a set, or folders of sets)."""
    with _database(url) as (settings, engine):
        folder = quarantine or settings.in_home(settings.headoffice.quarantine)
        manifests = ingest.manifests_in(paths)
        if not manifests:
            raise click.ClickException("No file sets found (looked for *.manifest.json).")
        outcomes = [ingest.ingest(engine, path, folder, datetime.now(UTC)) for path in manifests]
    for outcome in outcomes:
        line = f"{outcome.path.name}: {outcome.message}"
        click.echo(f"REFUSED {line}" if outcome.refused else line, err=outcome.refused)
    refused = sum(1 for o in outcomes if o.refused)
    if refused:
        raise click.ClickException(f"{refused} of {len(outcomes)} file set(s) refused.")


@headoffice.command("distribute")
@DB_OPTION
def distribute_command(url: str | None) -> None:
    """On Citus, distribute head office's tables by store (elsewhere, say that it cannot)."""
    from pos_plugin.headoffice import distribute

    with _database(url) as (_, engine), database.write_session(engine) as session:
        try:
            told = distribute.distribute(session)
        except distribute.NoCitus as error:
            raise click.ClickException(str(error)) from None
    for line in told:
        click.echo(line)


@headoffice.command("serve")
@click.option("--host", default=None, help="Address to listen on (default: [headoffice] host).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port to listen on.")
@DB_OPTION
def serve(host: str | None, port: int | None, url: str | None) -> None:
    """Receive uploads from https stores and serve the reports across stores."""
    from pos_plugin.headoffice.receiver import create_app
    from pos_plugin.headoffice.server import bound_port, make_server

    with _database(url) as (settings, engine):
        # A file of its own: two servers rotating one file would lose lines.
        start_logging(settings, logging_setup.HEADOFFICE_LOG_FILENAME)
        ho = settings.headoffice
        cert = settings.in_home(ho.tls_cert) if ho.tls_cert else None
        key = settings.in_home(ho.tls_key) if ho.tls_key else None
        for path in (cert, key):
            if path is not None and not path.is_file():
                raise click.ClickException(f"{path}: no such file ([headoffice] tls_cert/tls_key).")
        server = make_server(
            create_app(settings, engine), host or ho.host, port or ho.port, cert, key
        )
        try:
            server.prepare()
        except OSError as error:
            raise click.ClickException(
                f"Cannot listen on {host or ho.host}:{port or ho.port}: {error}"
            ) from None
        scheme = "https" if cert else "http"
        log.info(
            "Head office is serving on %s://%s:%s/", scheme, host or ho.host, bound_port(server)
        )
        click.echo(
            f"Head office is serving on {scheme}://{host or ho.host}:{bound_port(server)}/ "
            "(reports; uploads at /api/v1/sync/upload/). Ctrl+C stops it."
        )
        try:
            server.serve()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
