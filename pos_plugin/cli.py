"""The `pos-plugin` command: thin wrappers that parse, call one service, and print."""

from __future__ import annotations

import importlib
import ipaddress
import logging
import os
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import click
from flask import Flask, current_app
from flask.cli import ScriptInfo
from flask_babel import force_locale
from sqlalchemy.exc import DBAPIError

from pos_plugin import backups, create_app, demo, lifecycle, logging_setup
from pos_plugin import settings as settings_module
from pos_plugin.database import db, write_transaction
from pos_plugin.database_faults import Fault, fault_of
from pos_plugin.models import Role
from pos_plugin.printing import app as printing
from pos_plugin.printing import devices
from pos_plugin.private_files import PROCESS_UMASK, NotPrivate
from pos_plugin.services import staff as staff_service
from pos_plugin.services import tokens
from pos_plugin.services.actors import Actor
from pos_plugin.services.errors import DomainError
from pos_plugin.services.store import get_store
from pos_plugin.settings import CONFIG_FILENAME, Settings, SettingsError
from pos_plugin.sync import scheduler as sync_scheduler
from pos_plugin.text import TextError, clean_text
from pos_plugin.webhooks import worker as webhook_worker

CLI_ACTOR = Actor(role=Role.MANAGER, label="pos-plugin CLI")
DEMO_TOKEN_NAME = "demo till"
log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


class _HumanText(click.ParamType):
    """Text typed on the command line, held to the one text rule (`pos_plugin.text`).

    Bytes that are not UTF-8 arrive as lone surrogates and are refused here
    with the option's name, like a NUL or an escape sequence.
    """

    name = "text"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return clean_text(str(value))
        except TextError as error:
            self.fail(str(error), param, ctx)


HUMAN_TEXT = _HumanText()


def _now() -> datetime:
    return datetime.now(UTC)


def _load_app() -> Flask:
    info = click.get_current_context().ensure_object(ScriptInfo)
    try:
        app: Flask = info.load_app()
    except (SettingsError, NotPrivate) as exc:
        raise click.ClickException(str(exc)) from None
    return app


@contextmanager
def _in_app() -> Iterator[Flask]:
    """An app context, with domain and database errors turned into one-line messages."""
    app = _load_app()
    with app.app_context():
        try:
            yield app
        except DomainError as exc:
            # The command line speaks English, whatever the store's locale.
            with force_locale("en"):
                raise click.ClickException(str(exc.detail)) from None
        except DBAPIError as exc:
            db.session.rollback()
            fault = fault_of(exc)
            if fault is not None:
                raise click.ClickException(_FAULT_MESSAGES[fault]) from None
            if not lifecycle.has_store_table():
                raise click.ClickException(
                    "The database has no tables yet. Run `pos-plugin init`."
                ) from None
            raise click.ClickException(f"The database cannot be used: {exc.orig}") from None


_FAULT_MESSAGES = {
    Fault.BUSY: "The database is busy; try again in a moment.",
    Fault.CONNECTION_LOST: "The database cannot be reached; check that it is running.",
    Fault.DISK_FULL: "The disk that holds the data directory is full; free some space, "
    "then try again.",
}


def with_app(command: F) -> F:
    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _in_app():
            return command(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _settings(app: Flask) -> Settings:
    settings: Settings = app.config["POS_PLUGIN_SETTINGS"]
    return settings


class LazyGroup(click.Group):
    """Command groups imported when named (click's lazy-loading recipe): `serve` never
    loads the head office's models, and `--help` still lists every command."""

    lazy: ClassVar[dict[str, str]] = {
        "backup": "pos_plugin.backup_commands:backup",
        "restore": "pos_plugin.backup_commands:restore",
        "sync": "pos_plugin.sync.commands:sync",
        "export-data": "pos_plugin.export_data_command:export_data",
        "doctor": "pos_plugin.checks.commands:doctor",
        "headoffice": "pos_plugin.headoffice.commands:headoffice",
        "install-service": "pos_plugin.service_commands:install_service",
        "webhook": "pos_plugin.webhooks.commands:webhook",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.lazy:
            return super().get_command(ctx, cmd_name)
        module, _, name = self.lazy[cmd_name].partition(":")
        command: click.Command = getattr(importlib.import_module(module), name)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="on-the-house")
def cli() -> None:
    """On the House: one-tap comps inside a per-shift allowance."""


@cli.command()
@click.option("--demo", "with_demo", is_flag=True, help="Add the demo cafe and its history.")
@click.option(
    "--skip-backup",
    is_flag=True,
    help="Upgrade without first backing the database up (when the backup cannot be taken).",
)
def init(with_demo: bool, skip_backup: bool) -> None:
    """Create or upgrade the database in POS_PLUGIN_HOME (backing it up before an upgrade)."""
    _init(with_demo, backup=not skip_backup)


def _init(with_demo: bool, *, backup: bool = True) -> None:
    with _in_app() as app:
        try:
            upgraded = lifecycle.upgrade_with_backup(app, _settings(app), _now(), backup=backup)
        except backups.BackupError as exc:
            raise click.ClickException(
                f"Not upgraded: the backup before the upgrade failed: {exc} "
                "Fix that, or run `pos-plugin init --skip-backup` to upgrade without one."
            ) from None
        except lifecycle.UpgradeFailed as exc:
            raise click.ClickException(str(exc)) from None
        revision = upgraded.revision
        if upgraded.backup is not None:
            click.echo(f"Backed up the database before upgrading it: {upgraded.backup.path}")
        # Only a brand-new store takes the demo cafe's identity; an existing one keeps its own.
        if with_demo and not lifecycle.has_store():
            _adopt_demo_config(app)
        settings = _settings(app)
        store = lifecycle.apply_settings(settings, CLI_ACTOR, _now())
        click.echo(f"Database ready (schema {revision}) for {store.name} [{store.id}].")
        click.echo(f"Data directory: {settings.home}")
        if not with_demo:
            return
        with write_transaction():
            report = demo.seed_if_empty(get_store(), CLI_ACTOR, _now())
        if report is None:
            click.echo("The store already has staff; no demo data added.")
        else:
            click.echo(f"Demo added: {report.comps} past comps ({report.voided} voided).")
        click.echo("Demo PINs:")
        for name, role, pin in demo.DEMO_STAFF:
            password = demo.DEMO_PASSWORDS.get(name)
            also = f"  or password {password}" if password else ""
            click.echo(f"  {name:<6} {role.value:<8} PIN {pin}{also}")


def _adopt_demo_config(app: Flask) -> None:
    """Give a demo data directory without a config file the demo cafe's own, to read and edit."""
    settings = _settings(app)
    if settings.source is not None:
        return
    path = settings.home / CONFIG_FILENAME
    path.write_text(demo.DEMO_CONFIG, encoding="utf-8")
    app.config["POS_PLUGIN_SETTINGS"] = settings_module.parse(
        tomllib.loads(demo.DEMO_CONFIG),
        home=settings.home,
        source=path,
        database_url=settings.database_url,
    )
    click.echo(f"Wrote the demo configuration to {path}")


@cli.command()
@click.option("--host", default=None, help="Address to listen on (default from config).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port to listen on.")
@click.option(
    "--tls-cert",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="PEM certificate (chain) to serve HTTPS with; needs --tls-key "
    "(default: [server] tls_cert).",
)
@click.option(
    "--tls-key",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The certificate's unencrypted PEM private key (default: [server] tls_key).",
)
def serve(host: str | None, port: int | None, tls_cert: Path | None, tls_key: Path | None) -> None:
    """Run the production server (cheroot), over HTTPS with a certificate."""
    if (tls_cert is None) != (tls_key is None):
        raise click.UsageError("Give both --tls-cert and --tls-key, or neither.")
    _serve(host, port, tls_files=(tls_cert, tls_key) if tls_cert and tls_key else None)


def _serve(
    host: str | None,
    port: int | None,
    banner: str = "",
    tls_files: tuple[Path, Path] | None = None,
) -> None:
    with _in_app() as app:
        from pos_plugin import serving
        from pos_plugin.passthrough import app as passthrough_app

        try:
            lifecycle.check_ready(app)
        except lifecycle.DatabaseNotReady as exc:
            raise click.ClickException(str(exc)) from None
        settings = _settings(app)
        lifecycle.apply_settings(settings, CLI_ACTOR, _now())
        start_logging(settings)
        host = host or settings.server.host
        port = port or settings.server.port
        if tls_files is None and settings.server.tls_cert:
            tls_files = (
                settings.in_home(settings.server.tls_cert),
                settings.in_home(settings.server.tls_key),
            )
        tls = serving.Certificate(*tls_files) if tls_files else None
        # Listen first: a taken port must end the command before any worker thread starts.
        try:
            server = serving.create_server(
                app, host=host, port=port, threads=settings.server.threads, tls=tls
            )
        except serving.CertificateError as exc:
            raise click.ClickException(f"Cannot serve HTTPS: {exc}.") from None
        except OSError as exc:
            raise click.ClickException(
                f"Cannot listen on {host}:{port}: {exc.strerror or exc}. "
                "Is another server using the port? Choose another with --port."
            ) from None
        try:
            passthrough = passthrough_app.start(app)
        except OSError as exc:
            server.stop()
            where = f"{settings.passthrough.listen_host}:{settings.passthrough.listen_port}"
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            raise click.ClickException(
                f"Cannot listen for the till's receipts on {where}: {reason}. "
                "Choose another [passthrough] listen_port."
            ) from None
        worker = printing.start_worker(app, hold=passthrough_app.print_worker_hold(settings))
        sync_scheduler.start(app)
        webhook_worker.start(app)
    scheme = "https" if tls else "http"
    log.info("Serving on %s://%s:%s/", scheme, host, port)
    click.echo(f"On the House is serving on {scheme}://{host}:{port}/  (Ctrl+C stops it)")
    warning = exposure_warning(host, tls=tls is not None, proxies=settings.server.trusted_proxies)
    if warning:
        click.echo(warning, err=True)
    if worker is not None:
        click.echo(f"Receipt notes print on {devices.describe(settings.printer)}.")
    if passthrough is not None:
        click.echo(
            f"The till's receipts pass through {settings.passthrough.listen_host}:"
            f"{passthrough.port} to the printer at {passthrough.route.printer}, "
            "each with the note waiting for it."
        )
    click.echo(
        f"The nightly sync runs at {settings.sync.at:%H:%M} store time "
        f"via {settings.sync.transport} (`pos-plugin sync status` shows each day)."
    )
    if banner:
        click.echo(banner)
    try:
        server.run()  # stops cleanly on Ctrl+C
    finally:
        if passthrough is not None:
            passthrough.stop()


def start_logging(settings: Settings, filename: str = logging_setup.LOG_FILENAME) -> None:
    """Log to stderr and to a rotating file in the data directory, as `[logging]` says."""
    try:
        logging_setup.configure(settings.home, settings.logging, filename)
    except OSError as exc:
        where = logging_setup.log_path(settings.home, filename)
        raise click.ClickException(f"Cannot write the log file {where}: {exc.strerror}.") from None


def exposure_warning(host: str, *, tls: bool, proxies: int) -> str | None:
    """One line for a store that listens beyond this machine in plain HTTP, else None.

    Behind a TLS proxy `serve` itself speaks plain HTTP, to the proxy only.
    """
    if tls or proxies:
        return None
    if host == "localhost":
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass  # a name: it may resolve to any address
    return (
        f"Warning: serving plain HTTP on {host}, beyond this machine: PINs and session "
        "cookies cross the network readable by anyone on it. Serve HTTPS with --tls-cert "
        "and --tls-key ([server] tls_cert, tls_key), or put a TLS proxy in front and set "
        "[server] trusted_proxies."
    )


@cli.command("print-test")
@with_app
def print_test() -> None:
    """Print a sample note on the configured receipt printer."""
    settings = _settings(current_app)
    if settings.printer.kind == "none":
        where = settings.source or "the configuration file"
        raise click.ClickException(f"No receipt printer is set up: set [printer] kind in {where}.")
    receipts = printing.receipts()
    payload = receipts.render_lines(receipts.sample_lines(get_store(), _now()), "escpos")
    try:
        devices.send(settings.printer, payload)
    except devices.PrinterUnavailable as error:
        raise click.ClickException(f"The test note did not print: {error}") from None
    except devices.Unconfirmed as error:
        raise click.ClickException(f"The test note may not have printed: {error}") from None
    click.echo(f"Sent a test note ({len(payload)} bytes) to {devices.describe(settings.printer)}.")


@cli.command("demo")
@click.option("--host", default=None, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port to listen on.")
def demo_command(host: str | None, port: int | None) -> None:
    """Set up the demo cafe if needed, then serve it."""
    _init(with_demo=True)
    with _in_app() as app:
        with write_transaction():
            tokens.revoke_tokens_named(CLI_ACTOR, DEMO_TOKEN_NAME, _now())
            _, secret = tokens.create_token(
                CLI_ACTOR, role=Role.TILL, name=DEMO_TOKEN_NAME, now=_now()
            )
        settings = _settings(app)
    base = f"http://{host or settings.server.host}:{port or settings.server.port}"
    banner = "\n".join(
        [
            "",
            "Open the barista tablet (tap your name, then your PIN):",
            f"  {base}/tablet",
            "  PINs: "
            + ", ".join(
                f"{name} {pin}" for name, role, pin in demo.DEMO_STAFF if role is Role.BARISTA
            )
            + "; manager "
            + ", ".join(
                f"{name} {pin}" for name, role, pin in demo.DEMO_STAFF if role is Role.MANAGER
            ),
            "Open the manager's console (Maya: PIN 9999, or her password):",
            f"  {base}/manage   password: {demo.DEMO_PASSWORDS['Maya']}",
            "Also:",
            f"  {base}/healthz",
            f"  {base}/api/v1/openapi.json",
            "Try it (a till token for this demo run):",
            f"  export TOKEN={secret}",
            f'  curl -s {base}/api/v1/shifts/current -H "Authorization: Bearer $TOKEN"',
            f'  curl -s {base}/api/v1/comps -H "Authorization: Bearer $TOKEN" '
            '-H "Idempotency-Key: $(date +%s%N)" -H "Content-Type: application/json" '
            """-d '{"item_id": 1, "note": "On the house, enjoy!"}'""",
            "",
        ]
    )
    _serve(host, port, banner)


@cli.group()
def token() -> None:
    """API tokens for the till and tablets."""


@token.command("create")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option(
    "--name", type=HUMAN_TEXT, required=True, help="What the token is for, e.g. 'front till'."
)
@click.option(
    "--staff",
    "staff_ref",
    type=HUMAN_TEXT,
    default=None,
    help="The staff member (name or id) the token speaks for, e.g. a barista's own tablet.",
)
@with_app
def token_create(role: str, name: str, staff_ref: str | None) -> None:
    """Create a token and print it (only the token, on stdout)."""
    with write_transaction():
        staff_id = None
        if staff_ref is not None:
            staff_id = staff_service.find_staff(CLI_ACTOR, staff_ref).id
        _, secret = tokens.create_token(
            CLI_ACTOR, role=Role(role), name=name, now=_now(), staff_id=staff_id
        )
    click.echo(secret)


@cli.group()
def staff() -> None:
    """Staff members and their PINs."""


@staff.command("add")
@click.argument("name", type=HUMAN_TEXT)
@click.option(
    "--role",
    type=click.Choice([Role.BARISTA.value, Role.MANAGER.value]),
    default=Role.BARISTA.value,
    show_default=True,
)
@click.option(
    "--pin",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="4-8 digits (managers: [security] manager_pin_digits or more); asked for if not given.",
)
@with_app
def staff_add(name: str, role: str, pin: str) -> None:
    """Add a barista or manager."""
    digits = _settings(current_app).security.manager_pin_digits
    with write_transaction():
        member = staff_service.add_staff(
            CLI_ACTOR, name=name, role=Role(role), pin=pin, now=_now(), manager_pin_digits=digits
        )
    click.echo(f"Added {member.name} ({member.role.value}) as staff #{member.id}.")


@staff.command("list")
@with_app
def staff_list() -> None:
    """List staff members."""
    for member in staff_service.list_staff():
        state = "" if member.active else "  (inactive)"
        click.echo(f"{member.id:>4}  {member.name:<20} {member.role.value}{state}")


def main() -> None:
    # Whatever the command creates in the data directory is this user's only.
    os.umask(PROCESS_UMASK)
    cli(obj=ScriptInfo(create_app=create_app), prog_name="pos-plugin")


if __name__ == "__main__":
    main()
