"""The service definitions install-service writes: a hardened systemd unit that systemd
accepts, and the Windows commands that do the same."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path, PurePath

import pytest

from pos_plugin.service_unit import ServiceSpec, UnitError, systemd_unit, windows_commands

POS_PLUGIN = Path(sys.executable).parent / "pos-plugin"  # the venv's console script
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


def spec(**changes: object) -> ServiceSpec:
    fields: dict[str, object] = {
        "name": "on-the-house",
        "user": "pos",
        "command": POS_PLUGIN,
        "home": PurePath("/var/lib/pos-plugin"),
    }
    return ServiceSpec(**{**fields, **changes})  # type: ignore[arg-type]


def keys(unit: str) -> dict[str, list[str]]:
    """Each key of the unit file with its values, in order."""
    found: dict[str, list[str]] = {}
    for line in unit.splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


def test_the_unit_runs_serve_from_boot_as_the_user_and_restarts_it_after_a_failure():
    unit = keys(systemd_unit(spec()))

    assert unit["ExecStart"] == [f"{POS_PLUGIN} serve"]
    assert unit["User"] == ["pos"]
    assert unit["Environment"] == ["POS_PLUGIN_HOME=/var/lib/pos-plugin"]
    assert unit["WantedBy"] == ["multi-user.target"]
    assert unit["After"] == ["network-online.target"]
    assert unit["Restart"] == ["on-failure"]
    assert int(unit["RestartSec"][0]) > 0


def test_the_data_directory_is_the_only_place_the_service_may_write():
    unit = keys(systemd_unit(spec()))

    assert unit["ReadWritePaths"] == ["/var/lib/pos-plugin"]
    for key, value in [
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("NoNewPrivileges", "yes"),
        ("PrivateTmp", "yes"),
        ("PrivateDevices", "yes"),
        ("UMask", "0077"),
        ("CapabilityBoundingSet", ""),
    ]:
        assert unit[key] == [value], key


def test_the_configuration_file_named_at_install_is_named_to_the_service_too():
    unit = keys(systemd_unit(spec(config=PurePath("/etc/pos-plugin/cafe.toml"))))

    assert unit["Environment"] == [
        "POS_PLUGIN_HOME=/var/lib/pos-plugin",
        "POS_PLUGIN_CONFIG=/etc/pos-plugin/cafe.toml",
    ]


@pytest.mark.parametrize(
    "where",
    [
        {"home": PurePath("/home/cafe/pos-data")},
        {"command": PurePath("/root/venv/bin/pos-plugin")},
        {"config": PurePath("/home/cafe/pos-plugin.toml")},
        {"interpreter": PurePath("/root/.pyenv/versions/3.11.7/bin/python3.11")},
    ],
    ids=["data", "program", "config", "python"],
)
def test_what_lives_under_home_is_not_hidden_from_the_service(where):
    unit = systemd_unit(spec(**where))

    assert keys(unit)["ProtectHome"] == ["read-only"]
    assert "/home or /root" in unit  # the comment saying why


def test_a_usb_or_serial_printer_keeps_the_devices_the_service_prints_on():
    unit = keys(systemd_unit(spec(local_printer=True)))

    assert "PrivateDevices" not in unit
    # ProtectClock adds a device rule that would shut every other device out.
    assert "ProtectClock" not in unit
    assert "AF_NETLINK" in unit["RestrictAddressFamilies"][0]


def test_a_port_below_1024_keeps_only_the_right_to_listen_there():
    unit = keys(systemd_unit(spec(low_port=True)))

    assert unit["CapabilityBoundingSet"] == ["CAP_NET_BIND_SERVICE"]
    assert unit["AmbientCapabilities"] == ["CAP_NET_BIND_SERVICE"]


def test_a_data_directory_with_blanks_and_percent_signs_is_quoted_for_systemd():
    unit = keys(systemd_unit(spec(home=PurePath("/srv/Cafe 100% Bean"))))

    assert unit["ReadWritePaths"] == ['"/srv/Cafe 100%% Bean"']
    assert unit["Environment"] == ['"POS_PLUGIN_HOME=/srv/Cafe 100%% Bean"']


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed here")
@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"local_printer": True, "low_port": True},
        {"home": PurePath("/home/cafe/pos data 100%"), "config": PurePath("/etc/p.toml")},
    ],
    ids=["plain", "usb-printer-port-80", "under-home-quoted"],
)
def test_systemd_analyze_verify_accepts_the_unit_without_a_complaint(tmp_path, changes):
    path = tmp_path / "on-the-house.service"
    path.write_text(systemd_unit(spec(user="daemon", **changes)), encoding="utf-8")

    result = subprocess.run(
        [str(SYSTEMD_ANALYZE), "verify", str(path)], capture_output=True, text=True, check=False
    )

    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed here")
def test_systemd_analyze_verify_does_complain_about_a_bad_unit(tmp_path):
    """The check above can fail: a unit naming a program that is not there is refused."""
    path = tmp_path / "on-the-house.service"
    unit = systemd_unit(spec(user="daemon", command=tmp_path / "no-such-pos-plugin"))
    path.write_text(unit, encoding="utf-8")

    result = subprocess.run(
        [str(SYSTEMD_ANALYZE), "verify", str(path)], capture_output=True, text=True, check=False
    )

    assert result.returncode != 0
    assert "no-such-pos-plugin" in result.stderr


def test_the_windows_commands_make_an_nssm_service_that_restarts_and_starts_at_boot():
    text = windows_commands(spec(user="barista", home=PurePath("C:/ProgramData/On the House")))
    lines = text.splitlines()

    assert f"nssm install on-the-house {POS_PLUGIN} serve" in lines
    assert (
        'nssm set on-the-house AppEnvironmentExtra "POS_PLUGIN_HOME=C:/ProgramData/On the House"'
        in lines
    )
    assert "nssm set on-the-house AppExit Default Restart" in lines
    assert "nssm set on-the-house Start SERVICE_AUTO_START" in lines
    assert (
        'nssm set on-the-house AppStdout "C:/ProgramData/On the House/logs/service-output.log"'
        in lines
    )
    [task] = [line for line in lines if line.startswith("schtasks ")]
    assert "/SC ONSTART /RU barista" in task
    assert "set POS_PLUGIN_HOME=C:/ProgramData/On the House&&" in task


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "on the house"}, "cannot name a service"),
        ({"name": "../evil"}, "cannot name a service"),
        ({"home": PurePath("/srv/cafe\nExecStartPre=/bin/sh")}, "control character"),
        ({"user": 'pos"'}, "quote"),
    ],
)
def test_a_name_or_path_that_would_change_the_unit_is_refused(changes, message):
    with pytest.raises(UnitError, match=message):
        spec(**changes)
