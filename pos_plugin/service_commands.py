"""`pos-plugin install-service`: run `serve` from boot as a systemd unit, or print how to
(systemd, or NSSM and Task Scheduler on Windows)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from pos_plugin import service_install, service_unit
from pos_plugin import settings as settings_module
from pos_plugin.settings import SettingsError


@click.command("install-service")
@click.option("--print", "print_only", is_flag=True, help="Print the service; change nothing.")
@click.option(
    "--user",
    default=None,
    help="The user it runs as (default: the data directory's owner; never root).",
)
@click.option("--name", default="on-the-house", show_default=True, help="The service's name.")
@click.option(
    "--unit-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=service_install.DEFAULT_UNIT_DIR,
    show_default=True,
    help="Where the systemd unit file goes.",
)
@click.option(
    "--for",
    "target",
    type=click.Choice(service_install.TARGETS),
    default=service_install.DEFAULT_TARGET,
    show_default=True,
    help="The service manager (default: this machine's).",
)
def install_service(
    print_only: bool, user: str | None, name: str, unit_dir: Path, target: str
) -> None:
    """Run `pos-plugin serve` from boot, restarted after a failure, as a service."""
    try:
        settings = settings_module.load()
        plan = service_install.plan(settings, user, name, target, os.environ)
    except (SettingsError, service_install.InstallError) as error:
        raise click.ClickException(str(error)) from None
    for note in plan.notes:
        click.echo(note, err=True)
    if target == "windows":
        click.echo(service_unit.windows_commands(plan.spec), nl=False)
        if not print_only:
            raise click.ClickException(
                "install-service does not install Windows services itself: "
                "run the commands above in an elevated Command Prompt."
            )
        return
    if print_only:
        click.echo(service_unit.systemd_unit(plan.spec), nl=False)
        return
    if not sys.platform.startswith("linux"):
        raise click.ClickException("A systemd unit installs on Linux only: add --print.")
    try:
        path = service_install.install(plan.spec, unit_dir)
    except service_install.InstallError as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:
        raise click.ClickException(f"Cannot install the service: {error}") from None
    click.echo(f"Wrote {path}; {plan.spec.home} now belongs to {plan.spec.user}.")
    try:
        ran = service_install.enable(name, path)
    except service_install.SystemctlFailed as failed:
        click.echo(f"The service is not running yet: {failed}.", err=True)
        click.echo("Run these once systemd runs this machine:", err=True)
        for command in failed.commands:
            click.echo(f"  {command}", err=True)
        raise click.exceptions.Exit(1) from None
    for command in ran:
        click.echo(f"Ran: {command}")
    click.echo(f"{name} is running and starts at every boot (`systemctl status {name}`).")
