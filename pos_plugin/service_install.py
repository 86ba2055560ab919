"""Installing `pos-plugin serve` as a service: who it runs as, the data directory handed to
that user, the unit file written whole and checked, and systemctl told about it."""

from __future__ import annotations

import os
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from pos_plugin.service_unit import ServiceSpec, UnitError, systemd_unit
from pos_plugin.settings import PrinterSettings, Settings

DEFAULT_UNIT_DIR = Path("/etc/systemd/system")
TARGETS = ("systemd", "windows")
DEFAULT_TARGET = "windows" if sys.platform == "win32" else "systemd"
_WINDOWS_ADMINS = ("administrator", "system", "localsystem")
# Handing one of these to the service's user (chown -R) would take the machine's files with it.
_SHARED = tuple(
    Path(p) for p in ("/var/lib", "/var/local", "/var/cache", "/var/log", "/var/spool",
                      "/usr/local", "/usr/lib", "/usr/share", "/run/user")
)  # fmt: skip
_TEMPORARY = (Path("/tmp"), Path("/var/tmp"))


class InstallError(Exception):
    """The service cannot be defined or installed; the message says why and what to do."""


class SystemctlFailed(Exception):
    """The unit is written but systemd did not take it: `commands` are what to run."""

    def __init__(self, reason: str, commands: list[str]) -> None:
        super().__init__(reason)
        self.commands = commands


@dataclass(frozen=True)
class Plan:
    spec: ServiceSpec
    notes: list[str] = field(default_factory=list)


def plan(
    settings: Settings, user: str | None, name: str, target: str, environ: Mapping[str, str]
) -> Plan:
    """The service for this data directory and settings, with notes on what it cannot do."""
    home = settings.home
    owned_by = None
    if user is None:
        owned_by = user = _owner(home, target)
    try:
        if target == "windows":
            if user.lower() in ("root", *_WINDOWS_ADMINS):
                raise InstallError(_NOT_ROOT.format(user=user))
        else:
            _check_user(user)
    except InstallError as error:
        if owned_by is None:
            raise
        raise InstallError(f"The data directory {home} belongs to {owned_by}. {error}") from None
    command = _console_script()
    config = environ.get("POS_PLUGIN_CONFIG")
    try:
        spec = ServiceSpec(
            name=name,
            user=user,
            command=command,
            home=home,
            config=Path(config).absolute() if config else None,
            local_printer=_local_device(settings.printer, settings.in_home(settings.printer.path)),
            low_port=settings.server.port < 1024,
            interpreter=Path(sys.executable).resolve(),
        )
    except UnitError as error:
        raise InstallError(str(error)) from None
    notes = []
    if environ.get("POS_PLUGIN_DATABASE_URL"):
        notes.append(
            "Note: POS_PLUGIN_DATABASE_URL is not written into the service (anyone may read "
            "its definition): put the URL in [database] url of the configuration file."
        )
    if settings.printer.kind == "file":
        printer_file = settings.in_home(settings.printer.path)
        if not spec.local_printer and home not in printer_file.parents:
            notes.append(
                f"Note: [printer] path {printer_file} is outside the data directory, where "
                "the service may not write: move it into the data directory."
            )
    if target == "systemd":
        # Not the data directory itself: installing hands it to the user.
        wanted = [home, command, *(p for p in (spec.interpreter, spec.config) if p)]
        notes += _closed_to(user, wanted)
    if target == "systemd" and any(
        folder == home or folder in home.parents for folder in _TEMPORARY
    ):
        notes.append(
            f"Note: the data directory {home} is a temporary folder, which the service cannot "
            "see (PrivateTmp) and the system empties: choose a lasting one, e.g. "
            "/var/lib/pos-plugin."
        )
    return Plan(spec, notes)


_NOT_ROOT = (
    "The service must not run as {user}: pass --user NAME, an ordinary user of its own "
    "(e.g. `useradd --system --shell /usr/sbin/nologin pos-plugin`)."
)


def _owner(home: Path, target: str) -> str:
    try:
        return home.owner()
    except FileNotFoundError:
        raise InstallError(
            f"The data directory {home} does not exist yet, so it has no owner to run the "
            "service as: pass --user NAME."
        ) from None
    except (NotImplementedError, KeyError):  # Windows, or an owner with no name
        raise InstallError(
            f"Cannot tell who owns {home}: pass --user NAME for the service ({target})."
        ) from None


def _check_user(user: str) -> None:
    import pwd  # POSIX only, like systemd

    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        raise InstallError(
            f"There is no user {user!r} on this machine: create it "
            f"(`useradd --system --shell /usr/sbin/nologin {shlex.quote(user)}`) or pass "
            "--user NAME."
        ) from None
    if entry.pw_uid == 0:
        raise InstallError(_NOT_ROOT.format(user=user))


def _closed_to(user: str, paths: list[PurePath]) -> list[str]:
    """A note for each path whose folders `user` may not pass through (their x bit)."""
    import grp
    import pwd

    entry = pwd.getpwnam(user)
    groups = {entry.pw_gid} | {g.gr_gid for g in grp.getgrall() if user in g.gr_mem}
    notes = []
    for path in paths:
        for folder in reversed(Path(path).parents):
            try:
                info = folder.stat()
            except OSError:
                break  # not there yet: install makes the data directory
            if info.st_uid == entry.pw_uid:
                allowed = info.st_mode & stat.S_IXUSR
            elif info.st_gid in groups:
                allowed = info.st_mode & stat.S_IXGRP
            else:
                allowed = info.st_mode & stat.S_IXOTH
            if not allowed:
                notes.append(
                    f"Note: {user} cannot reach {path}: {folder} is closed to it, so the service "
                    "would not start. Install On the House (and its Python) where it can, "
                    "e.g. /opt/on-the-house."
                )
                break
    return notes


def _console_script() -> PurePath:
    """The installed `pos-plugin` beside this Python (a virtualenv's bin), else on PATH."""
    found = shutil.which("pos-plugin", path=str(Path(sys.executable).parent)) or shutil.which(
        "pos-plugin"
    )
    if found is None:
        raise InstallError(
            "Cannot find the pos-plugin command beside this Python or on PATH: install the "
            "package (pip install .) and run install-service with that installation."
        )
    return Path(found).absolute()


def _local_device(printer: PrinterSettings, printer_file: Path) -> bool:
    if printer.kind in ("usb", "serial"):
        return True
    return printer.kind == "file" and Path("/dev") in printer_file.parents


def verify(unit_text: str, name: str) -> list[str]:
    """What `systemd-analyze verify` says against the unit; nothing when it is not installed."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        return []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.service"
        path.write_text(unit_text, encoding="utf-8")
        result = subprocess.run(
            [analyze, "verify", str(path)], capture_output=True, text=True, check=False
        )
    said = [line.strip() for line in (result.stderr + result.stdout).splitlines()]
    complaints = [line for line in said if line]
    if result.returncode != 0 and not complaints:
        complaints.append(f"systemd-analyze verify ended with status {result.returncode}")
    return complaints


def install(spec: ServiceSpec, unit_dir: Path) -> Path:
    """Check, hand the data directory to the service's user, then write the unit file whole.

    Raises InstallError before anything changes; returns the unit file's path.
    """
    if os.geteuid() != 0:
        raise InstallError(
            "Installing the service needs root: run it with sudo (or add --print to see the unit)."
        )
    if not unit_dir.is_dir():
        raise InstallError(f"{unit_dir} is not a folder: pass --unit-dir with systemd's own.")
    home = Path(spec.home)
    if len(home.parts) < 3 or home in _SHARED:
        raise InstallError(
            f"The data directory {home} is a folder other programs share: set "
            "POS_PLUGIN_HOME to a folder of the store's own, e.g. /var/lib/pos-plugin."
        )
    unit = systemd_unit(spec)
    complaints = verify(unit, spec.name)
    if complaints:
        raise InstallError(
            "systemd-analyze verify refused the unit, nothing was installed: "
            + "; ".join(complaints)
        )
    _hand_over(home, spec.user)
    return _write_whole(unit_dir / f"{spec.name}.service", unit)


def _hand_over(home: Path, user: str) -> None:
    """chown -R the data directory to `user`, links themselves not what they point to;
    mode 0700."""
    import pwd

    entry = pwd.getpwnam(user)
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    for folder, folders, files in os.walk(home):
        for path in [folder, *(os.path.join(folder, name) for name in [*folders, *files])]:
            os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)
    home.chmod(0o700)


def _write_whole(path: Path, text: str) -> Path:
    """Write under a temporary name in the same folder and rename: never half a unit file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def enable(name: str, unit_path: Path) -> list[str]:
    """Tell systemd about the unit and start it now and at every boot; returns what it ran."""
    commands = [["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", name]]
    if unit_path.parent != DEFAULT_UNIT_DIR:
        commands.insert(1, ["systemctl", "link", str(unit_path)])
    shown = [" ".join(command) for command in commands]
    if shutil.which("systemctl") is None:
        raise SystemctlFailed("systemctl is not on this machine", shown)
    for command in commands:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            said = (result.stderr or result.stdout).strip().splitlines()
            reason = said[0].rstrip(".") if said else f"exit status {result.returncode}"
            raise SystemctlFailed(f"`{' '.join(command)}` failed: {reason}", shown)
    return shown
