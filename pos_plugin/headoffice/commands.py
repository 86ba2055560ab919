"""`pos-plugin headoffice ...`: register stores, ingest file sets, serve uploads and reports,
and the people who sign in to them."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import click
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from pos_plugin import logging_setup
from pos_plugin import settings as settings_module
from pos_plugin.cli import start_logging
from pos_plugin.headoffice import (
    database,
    inbox,
    ingest,
    partitions,
    progress,
    setfiles,
    stores,
    users,
)
from pos_plugin.headoffice.models import UserRole
from pos_plugin.private_files import NotPrivate, secure_data_directory
from pos_plugin.services.errors import DomainError
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
@click.argument("store_id", required=False)
@click.option("--key", help="The key `pos-plugin sync key` printed at the store.")
@click.option(
    "--from",
    "store_list",
    type=click.File("r", encoding="utf-8"),
    help="A CSV file headed store_id,key: register every store in it, or none.",
)
@DB_OPTION
def add_store(
    store_id: str | None, key: str | None, store_list: TextIO | None, url: str | None
) -> None:
    """Register a store's signing key (or many, --from a file); prints each upload token."""
    if store_list is not None:
        if store_id or key:
            raise click.UsageError("Give either STORE_ID --key KEY or --from FILE, not both.")
        _add_stores(store_list, url)
        return
    if not store_id or not key:
        raise click.UsageError("Give STORE_ID and --key KEY (or --from FILE).")
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


def _add_stores(store_list: TextIO, url: str | None) -> None:
    try:
        entries = stores.read_store_list(store_list.name, store_list)
    except stores.StoreListError as error:
        raise click.ClickException(f"No store was registered:\n{error}") from None
    with _database(url) as (_, engine), database.write_session(engine) as session:
        registrations = stores.add_stores(session, entries, datetime.now(UTC))
    # The tokens are shown only now: as CSV, for the file that hands them to the stores.
    click.echo("store_id,key_id,upload_token")
    for registration in registrations:
        click.echo(f"{registration.store.id},{registration.store.key_id},{registration.token}")
    rekeyed = sum(1 for r in registrations if r.replaced_key)
    click.echo(f"Registered {len(registrations)} stores ({rekeyed} of them re-keyed).", err=True)


@headoffice.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@DB_OPTION
@click.option(
    "--quarantine",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where refused sets go (default: [headoffice] quarantine).",
)
@click.option(
    "--archive",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where ingested sets go (default: [headoffice] archive).",
)
def ingest_command(
    paths: tuple[Path, ...], url: str | None, quarantine: Path | None, archive: Path | None
) -> None:
    """Verify and ingest file sets (manifests, any file of a set, or folders of sets)."""
    refused = done = 0
    with _database(url) as (settings, engine):
        folder = quarantine or settings.in_home(settings.headoffice.quarantine)
        archived = archive or settings.in_home(settings.headoffice.archive)
        for path in paths:
            if path.is_dir() and (removed := inbox.sweep(path, datetime.now(UTC))):
                click.echo(f"Removed from {path}, waiting over a day: {', '.join(removed)}")
        manifests = setfiles.manifests_in(paths)
        if not manifests:
            raise click.ClickException("No file sets found (looked for *.manifest.json).")
        with progress.OutcomePrinter(len(manifests), progress.terminal_console()) as printer:
            outcomes = ingest.ingest_all(engine, manifests, folder, lambda: datetime.now(UTC))
            try:
                for outcome in outcomes:
                    if not outcome.refused:
                        setfiles.archive_set(outcome.path, archived)
                    printer.print(outcome)
                    refused += outcome.refused
                    done += 1
            except DBAPIError as error:  # outcomes come in order: it failed at the next set
                raise click.ClickException(
                    f"The head office database failed at {manifests[done].name}: {error.orig}\n"
                    f"{done} of {len(manifests)} file set(s) were done (listed above); "
                    "run the same command again for the rest."
                ) from None
    if refused:
        raise click.ClickException(f"{refused} of {len(manifests)} file set(s) refused.")


@headoffice.command("partitions")
@click.option(
    "--months-ahead",
    type=click.IntRange(0, 120),
    default=3,
    show_default=True,
    help="Make the partitions of this month and of so many months after it.",
)
@DB_OPTION
def partitions_command(months_ahead: int, url: str | None) -> None:
    """Make ho_comp's monthly partitions ahead of time (PostgreSQL; run it monthly)."""
    with _database(url) as (_, engine):
        if engine.dialect.name != "postgresql":
            click.echo(f"Nothing to do: {engine.dialect.name} has no partitions.")
            return
        made = partitions.ahead(engine, datetime.now(UTC).date(), months_ahead)
    click.echo(f"Made {', '.join(made)}." if made else "Every partition was there already.")


def _listen_address(value: str | None) -> tuple[str, int] | None:
    """HOST:PORT (an IPv6 host in brackets) as a (host, port)."""
    if value is None:
        return None
    found = re.fullmatch(r"\[?([^\[\]]+?)\]?:(\d{1,5})", value.strip())
    if found is None or not 1 <= int(found[2]) <= 65535:
        raise click.BadParameter(
            "use HOST:PORT, as in 127.0.0.1:8444", param_hint="--reports-listen"
        )
    return found[1], int(found[2])


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
@click.option(
    "--reports-listen",
    metavar="HOST:PORT",
    default=None,
    help="Serve the report pages here apart; --host/--port then take only uploads "
    "(default: [headoffice] reports_host/reports_port, unset: one address for both).",
)
@DB_OPTION
def serve(host: str | None, port: int | None, reports_listen: str | None, url: str | None) -> None:
    """Receive uploads from https stores and serve the reports across stores."""
    from pos_plugin.headoffice.receiver import create_app
    from pos_plugin.headoffice.server import Listener, serve_all
    from pos_plugin.headoffice.worker import start_worker

    reports = _listen_address(reports_listen)
    with _database(url) as (settings, engine):
        # A file of its own: two servers rotating one file would lose lines.
        start_logging(settings, logging_setup.HEADOFFICE_LOG_FILENAME)
        ho = settings.headoffice
        if reports is None and ho.reports_port is not None:
            reports = (ho.reports_host, ho.reports_port)
        cert = settings.in_home(ho.tls_cert) if ho.tls_cert else None
        key = settings.in_home(ho.tls_key) if ho.tls_key else None
        for path in (cert, key):
            if path is not None and not path.is_file():
                raise click.ClickException(f"{path}: no such file ([headoffice] tls_cert/tls_key).")
        main = (host or ho.host, port or ho.port)
        if reports is None:
            listeners = [Listener(create_app(settings, engine), main, "reports and uploads")]
        else:
            listeners = [
                Listener(create_app(settings, engine, reports=False), main, "uploads"),
                Listener(create_app(settings, engine, uploads=False), reports, "reports", False),
            ]
        # The first listener takes the uploads: its receiver wakes the worker for each manifest.
        worker = start_worker(listeners[0].app, settings, engine)
        try:
            serve_all(listeners, cert, key, click.echo)
        except OSError as error:
            raise click.ClickException(str(error)) from None
        finally:
            worker.stop()


@headoffice.group("user")
def user() -> None:
    """People who sign in to head office's report pages (viewers and admins)."""


def _ask_password() -> str:
    password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


def _user_change(url: str | None, change: Callable[[Session], object]) -> None:
    with _database(url) as (_, engine), database.write_session(engine) as session:
        try:
            change(session)
        except DomainError as error:
            raise click.BadParameter(error.detail, param_hint=error.field or "NAME") from None


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in UserRole]), required=True)
@DB_OPTION
def user_add(name: str, role: str, url: str | None) -> None:
    """Add a person; asks for their password twice (at least 10 characters)."""
    password = _ask_password()
    now = datetime.now(UTC)
    _user_change(url, lambda s: users.add_user(s, name, UserRole(role), password, now))
    click.echo(
        f"{name} may sign in to head office as {'an admin' if role == 'admin' else 'a viewer'}."
    )


@user.command("list")
@DB_OPTION
def user_list(url: str | None) -> None:
    """Everyone who may sign in, with their role."""
    with _database(url) as (_, engine), database.read_session(engine) as session:
        for person in users.list_users(session):
            click.echo(f"{person.name}\t{person.role.value}")


@user.command("remove")
@click.argument("name")
@DB_OPTION
def user_remove(name: str, url: str | None) -> None:
    """Remove a person: they are signed out and can no longer sign in."""
    _user_change(url, lambda s: users.remove_user(s, name))
    click.echo(f"{name} can no longer sign in.")


@user.command("password")
@click.argument("name")
@DB_OPTION
def user_password(name: str, url: str | None) -> None:
    """Set a new password (asked twice); the person is signed out everywhere."""
    password = _ask_password()
    now = datetime.now(UTC)
    _user_change(url, lambda s: users.set_password(s, name, password, now))
    click.echo(f"{name} has a new password.")
