"""`pos-plugin install-service`, as the person setting up the till PC types it."""

from __future__ import annotations

import os
import pwd
import stat
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from test_service_unit import keys

from pos_plugin.cli import cli

SERVICE_USER = next(
    (e for e in pwd.getpwall() if e.pw_uid != 0 and e.pw_name != "nobody"), None
)  # `daemon` on Debian: a user that exists and is not root
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="installing needs root")
needs_a_user = pytest.mark.skipif(SERVICE_USER is None, reason="no user but root here")


def install_service(home: Path, *args: str, **env: str) -> Result:
    environ: dict[str, str | None] = {
        "POS_PLUGIN_HOME": str(home),
        "POS_PLUGIN_CONFIG": None,
        "POS_PLUGIN_DATABASE_URL": None,
        **env,
    }
    return CliRunner().invoke(cli, ["install-service", *args], env=environ)


def failed_cleanly(result: Result) -> bool:
    return (
        result.exit_code == 1
        and result.exception is not None
        and "Traceback" not in (result.output)
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A data directory owned by an ordinary user, as `pos-plugin init` run by them leaves it."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "pos-plugin.db").write_text("")
    if os.geteuid() == 0 and SERVICE_USER is not None:
        os.chown(folder, SERVICE_USER.pw_uid, SERVICE_USER.pw_gid)
    return folder


def test_print_shows_a_unit_for_the_data_directory_s_owner_and_changes_nothing(home, tmp_path):
    units = tmp_path / "units"
    units.mkdir()
    before = home.stat()

    result = install_service(home, "--print", "--unit-dir", str(units))

    assert result.exit_code == 0, result.output
    unit = keys(result.stdout)
    assert unit["User"] == [home.owner()]
    assert unit["ReadWritePaths"] == [str(home)]
    assert unit["Environment"] == [f"POS_PLUGIN_HOME={home}"]
    assert unit["ExecStart"][0].endswith("/pos-plugin serve")
    assert list(units.iterdir()) == []
    assert (home.stat().st_uid, home.stat().st_mode) == (before.st_uid, before.st_mode)


@needs_a_user
def test_print_names_the_configuration_file_given_in_the_environment(home, tmp_path):
    config = tmp_path / "cafe.toml"
    config.write_text('[store]\nname = "Bean There"\n')

    result = install_service(
        home, "--print", "--user", SERVICE_USER.pw_name, POS_PLUGIN_CONFIG=str(config)
    )

    assert result.exit_code == 0, result.output
    assert f"Environment=POS_PLUGIN_CONFIG={config}" in result.stdout.splitlines()


@needs_a_user
def test_a_usb_printer_in_the_configuration_keeps_its_devices(home):
    (home / "pos-plugin.toml").write_text(
        '[printer]\nkind = "usb"\nusb_vendor_id = 0x04b8\nusb_product_id = 0x0202\n'
    )

    result = install_service(home, "--print", "--user", SERVICE_USER.pw_name)

    assert result.exit_code == 0, result.output
    assert "PrivateDevices" not in keys(result.stdout)


def test_the_service_never_runs_as_root(home):
    result = install_service(home, "--print", "--user", "root")

    assert failed_cleanly(result)
    assert "must not run as root: pass --user NAME" in result.stderr


@as_root
@needs_a_user
@pytest.mark.parametrize("closed", [False, True])
def test_print_warns_when_the_user_could_not_reach_a_file_the_service_needs(home, closed):
    # Under /tmp, not pytest's own temporary folder, which is closed to everyone else.
    with tempfile.TemporaryDirectory() as outer:
        os.chmod(outer, 0o755)
        folder = Path(outer) / "config"
        folder.mkdir(mode=0o700 if closed else 0o755)
        config = folder / "cafe.toml"
        config.write_text("")

        args = ["--print", "--user", SERVICE_USER.pw_name]
        result = install_service(home, *args, POS_PLUGIN_CONFIG=str(config))

    assert result.exit_code == 0, result.output
    note = f"{SERVICE_USER.pw_name} cannot reach {config}: {folder} is closed to it"
    assert (note in result.stderr) is closed


@as_root
def test_a_data_directory_owned_by_root_asks_for_user(tmp_path):
    result = install_service(tmp_path, "--print")

    assert failed_cleanly(result)
    assert f"The data directory {tmp_path} belongs to root." in result.stderr
    assert "pass --user NAME" in result.stderr


def test_an_unknown_user_is_a_clear_error(home):
    result = install_service(home, "--print", "--user", "no-such-barista")

    assert failed_cleanly(result)
    assert "There is no user 'no-such-barista' on this machine" in result.stderr


def test_a_data_directory_that_does_not_exist_yet_asks_for_user(tmp_path):
    result = install_service(tmp_path / "not-yet", "--print")

    assert failed_cleanly(result)
    assert "does not exist yet" in result.stderr


def test_windows_print_gives_the_nssm_and_schtasks_lines_naming_the_data_directory(home):
    result = install_service(home, "--for", "windows", "--print", "--user", "barista")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert f"nssm set on-the-house AppEnvironmentExtra POS_PLUGIN_HOME={home}" in lines
    assert "nssm set on-the-house AppExit Default Restart" in lines
    assert "nssm set on-the-house Start SERVICE_AUTO_START" in lines
    assert f"nssm set on-the-house AppStdout {home}/logs/service-output.log" in lines
    assert any(line.startswith("schtasks /Create /TN on-the-house /SC ONSTART") for line in lines)


def test_windows_without_print_says_it_only_prints_what_to_run(home):
    result = install_service(home, "--for", "windows", "--user", "barista")

    assert failed_cleanly(result)
    assert "nssm install on-the-house" in result.stdout
    assert "does not install Windows services itself" in result.stderr


@needs_a_user
def test_a_service_name_systemd_would_misread_is_refused(home):
    args = ["--print", "--user", SERVICE_USER.pw_name, "--name", "on the house"]
    result = install_service(home, *args)

    assert failed_cleanly(result)
    assert "cannot name a service" in result.stderr


# -- installing, as root ------------------------------------------------------------------

not_under_systemd = pytest.mark.skipif(
    Path("/run/systemd/system").is_dir(),
    reason="systemd runs this machine: the install would enable and start a real service",
)


@as_root
@needs_a_user
@not_under_systemd
def test_install_writes_the_unit_hands_over_the_data_and_says_what_systemctl_could_not(
    home, tmp_path
):
    units = tmp_path / "units"
    units.mkdir()
    os.chown(home, 0, 0)  # as a data directory made by root with sudo is

    result = install_service(home, "--user", SERVICE_USER.pw_name, "--unit-dir", str(units))

    assert result.exit_code != 0
    unit = units / "on-the-house.service"
    assert stat.S_IMODE(unit.stat().st_mode) == 0o644
    assert keys(unit.read_text())["ReadWritePaths"] == [str(home)]
    assert [p.name for p in units.iterdir()] == ["on-the-house.service"]  # no temporary left
    for path in (home, home / "pos-plugin.db"):
        assert path.owner() == SERVICE_USER.pw_name
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert f"Wrote {unit}" in result.stdout
    assert "The service is not running yet: `systemctl" in result.stderr
    assert "  systemctl daemon-reload\n" in result.stderr
    assert "  systemctl enable --now on-the-house\n" in result.stderr
    assert "Traceback" not in result.output


@as_root
@not_under_systemd
@pytest.mark.skipif(
    not Path("/usr/bin/systemd-analyze").exists(), reason="systemd-analyze is not installed"
)
def test_install_refuses_a_unit_systemd_complains_about_and_changes_nothing(home, tmp_path):
    units = tmp_path / "units"
    units.mkdir()
    owner = home.stat().st_uid

    result = install_service(home, "--user", "nobody", "--unit-dir", str(units))

    assert failed_cleanly(result)
    assert "systemd-analyze verify refused the unit, nothing was installed" in result.stderr
    assert "nobody" in result.stderr
    assert list(units.iterdir()) == []
    assert home.stat().st_uid == owner
