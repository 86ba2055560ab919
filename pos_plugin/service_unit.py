"""The text of the service that runs `pos-plugin serve` from boot: a hardened systemd unit,
or the NSSM and Task Scheduler commands that do the same on Windows.

Pure functions of a `ServiceSpec`; `service_install` gathers the spec and installs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

SERVICE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
# systemd and the Windows command line would read these as the end of a value, or worse.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")
# ProtectHome=yes hides these from the service.
HOME_DIRECTORIES = (PurePath("/home"), PurePath("/root"), PurePath("/run/user"))
RESTART_SECONDS = 5
LOG_ROTATE_BYTES = 10 * 1024 * 1024


class UnitError(ValueError):
    """A name or path that cannot be written into the service definition."""


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    user: str
    command: PurePath  # the absolute path of the `pos-plugin` console script
    home: PurePath  # the data directory, the one place the service writes
    config: PurePath | None = None  # POS_PLUGIN_CONFIG, when the installer had it set
    interpreter: PurePath | None = None  # the Python that `command` runs on, links followed
    local_printer: bool = False  # the printer is a device under /dev (USB, serial, a /dev file)
    low_port: bool = False  # [server] port below 1024

    def __post_init__(self) -> None:
        if not SERVICE_NAME.fullmatch(self.name):
            raise UnitError(
                f"{self.name!r} cannot name a service: use letters, digits, '-', '_' and '.'."
            )
        for what, value in [
            ("user name", self.user),
            ("path of pos-plugin", str(self.command)),
            ("data directory", str(self.home)),
            ("configuration file", str(self.config or "")),
            ("path of Python", str(self.interpreter or "")),
        ]:
            if _UNSAFE.search(value) or '"' in value:
                raise UnitError(f"The {what} {value!r} holds a quote or control character.")


def _quoted(value: str, *, command_line: bool = False) -> str:
    """One word of a unit file: systemd expands % (and $ on a command line) and splits at
    blanks unless quoted."""
    value = value.replace("\\", "\\\\").replace("%", "%%")
    if command_line:
        value = value.replace("$", "$$")
    return f'"{value}"' if re.search(r"\s", value) else value


def _under(path: PurePath, folders: tuple[PurePath, ...]) -> bool:
    return any(path == folder or folder in path.parents for folder in folders)


def systemd_unit(spec: ServiceSpec) -> str:
    """The unit file: `serve` at boot, restarted on failure, allowed to write only `home`."""
    environment = [f"POS_PLUGIN_HOME={spec.home}"]
    if spec.config is not None:
        environment.append(f"POS_PLUGIN_CONFIG={spec.config}")
    families = "AF_UNIX AF_INET AF_INET6"
    needed = [spec.home, spec.command, *(p for p in (spec.config, spec.interpreter) if p)]
    lines = [
        "# Written by `pos-plugin install-service`: run it again rather than edit this file.",
        "[Unit]",
        "Description=On the House (pos-plugin serve)",
        "After=network-online.target",
        "Wants=network-online.target",
        "",
        "[Service]",
        "Type=exec",
        f"User={spec.user}",
        *(f"Environment={_quoted(assignment)}" for assignment in environment),
        f"ExecStart={_quoted(str(spec.command), command_line=True)} serve",
        "Restart=on-failure",
        f"RestartSec={RESTART_SECONDS}",
        "# serve finishes what it is doing on Ctrl+C: stop it the same way.",
        "KillSignal=SIGINT",
        "TimeoutStopSec=30",
        "",
        "# The data directory is the one place it may write.",
        "UMask=0077",
        "ProtectSystem=strict",
        f"ReadWritePaths={_quoted(str(spec.home))}",
    ]
    if any(_under(path, HOME_DIRECTORIES) for path in needed):
        lines += [
            "# read-only, not yes: the data directory or the program (or its Python) is under",
            "# /home or /root, which yes would hide from the service.",
            "ProtectHome=read-only",
        ]
    else:
        lines.append("ProtectHome=yes")
    lines += [
        "PrivateTmp=yes",
        "NoNewPrivileges=yes",
    ]
    if spec.local_printer:
        lines.append("# No PrivateDevices or ProtectClock: the receipt printer is in /dev.")
        # libusb watches for devices coming and going over netlink.
        families += " AF_NETLINK"
    else:
        lines += ["PrivateDevices=yes", "ProtectClock=yes"]
    if spec.low_port:
        lines += [
            "# [server] port is below 1024: the one privilege it keeps is to listen there.",
            "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
            "AmbientCapabilities=CAP_NET_BIND_SERVICE",
        ]
    else:
        lines.append("CapabilityBoundingSet=")
    lines += [
        "ProtectKernelTunables=yes",
        "ProtectKernelModules=yes",
        "ProtectKernelLogs=yes",
        "ProtectControlGroups=yes",
        "ProtectHostname=yes",
        "ProtectProc=invisible",
        "RestrictNamespaces=yes",
        "RestrictRealtime=yes",
        "RestrictSUIDSGID=yes",
        "LockPersonality=yes",
        "RemoveIPC=yes",
        f"RestrictAddressFamilies={families}",
        "SystemCallArchitectures=native",
        "SystemCallFilter=@system-service",
        "SystemCallErrorNumber=EPERM",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ]
    return "\n".join(lines)


def _arg(value: str) -> str:
    """One argument on a Windows command line (paths cannot hold a double quote)."""
    return f'"{value}"' if re.search(r"[\s&|<>^()]", value) else value


def windows_commands(spec: ServiceSpec) -> str:
    """NSSM commands that make `serve` a Windows service, then the Task Scheduler alternative."""
    name, home = spec.name, str(spec.home)
    environment = [f"POS_PLUGIN_HOME={home}"]
    if spec.config is not None:
        environment.append(f"POS_PLUGIN_CONFIG={spec.config}")
    output = str(spec.home / "logs" / "service-output.log")
    nssm = f"nssm set {name}"
    account = ".\\" + spec.user  # a local account
    started_by_task = "".join(f"set {pair}&& " for pair in environment)
    task = f'cmd /c {started_by_task}\\"{spec.command}\\" serve'
    return "\n".join(
        [
            "REM On the House as a Windows service through NSSM (nssm.cc), in an elevated",
            f"REM Command Prompt. Put {spec.user}'s Windows password in place of PASSWORD.",
            f"nssm install {name} {_arg(str(spec.command))} serve",
            f'{nssm} DisplayName "On the House"',
            f"{nssm} AppDirectory {_arg(home)}",
            f"{nssm} AppEnvironmentExtra {' '.join(_arg(pair) for pair in environment)}",
            f"{nssm} ObjectName {_arg(account)} PASSWORD",
            f"{nssm} Start SERVICE_AUTO_START",
            f"{nssm} AppExit Default Restart",
            f"{nssm} AppRestartDelay {RESTART_SECONDS * 1000}",
            f"{nssm} AppStdout {_arg(output)}",
            f"{nssm} AppStderr {_arg(output)}",
            f"{nssm} AppRotateFiles 1",
            f"{nssm} AppRotateOnline 1",
            f"{nssm} AppRotateBytes {LOG_ROTATE_BYTES}",
            f"nssm start {name}",
            "",
            "REM Or, without NSSM, a Task Scheduler task that starts it at boot (it asks for",
            "REM the password; unlike NSSM it does not restart the server after a crash):",
            f"schtasks /Create /TN {_arg(name)} /SC ONSTART /RU {_arg(spec.user)} /RP * "
            f'/RL LIMITED /TR "{task}"',
            "",
        ]
    )
