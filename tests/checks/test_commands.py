"""`pos-plugin doctor`: one line per check, in plain words, exit status 1 on a failure."""

from __future__ import annotations

import getpass
import os
import socket
import stat
import subprocess
import sys
from typing import Any

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from pos_plugin import create_app
from pos_plugin.cli import cli
from pos_plugin.lifecycle import SCHEMA_HEAD
from pos_plugin.settings import PrinterSettings


def lines_of(output: str) -> dict[str, str]:
    """{check name: "mark  message"} from the doctor's one line per check."""
    found = {}
    for line in output.splitlines():
        mark, _, rest = line.partition("  ")
        name, _, message = rest.strip().partition("  ")
        if mark.strip() in ("ok", "warn", "FAIL"):
            found[name] = f"{mark.strip()}  {message.strip()}"
    return found


def closed_port() -> int:
    """A loopback port nothing listens on: a printer that is switched off."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.console_script
def test_doctor_on_the_demo_cafe_after_its_sync_finds_nothing_wrong(tmp_path):
    def pos_plugin(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pos_plugin", *args],
            env={k: v for k, v in os.environ.items() if not k.startswith("POS_PLUGIN_")}
            | {"POS_PLUGIN_HOME": str(tmp_path)},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert pos_plugin("init", "--demo").returncode == 0
    assert pos_plugin("sync", "run").returncode == 0
    assert pos_plugin("backup").returncode == 0

    doctor = pos_plugin("doctor")

    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    found = lines_of(doctor.stdout)
    assert list(found) == [
        "config",
        "database",
        "printer",
        "print queue",
        "clock",
        "disk",
        "files",
        "sync destination",
        "sync",
        "sync refused",
        "backup",
    ]
    assert found["config"] == f"ok  Settings read from {tmp_path / 'pos-plugin.toml'}."
    assert found["database"] == (
        f"ok  Reachable; its schema is up to date ({SCHEMA_HEAD}) and SQLite's "
        "integrity_check found no damage."
    )
    assert found["printer"] == "ok  No receipt printer is set up."
    assert found["sync"].startswith("ok  Head office has every closed business day, up to ")
    assert found["sync refused"] == "ok  Head office has refused none of the file sets sent to it."
    assert found["backup"].startswith("ok  The newest backup is from ")
    assert "FAIL" not in doctor.stdout
    assert doctor.stderr == ""


def test_a_broken_config_file_is_the_one_failure_named_by_its_key(tmp_path):
    config = tmp_path / "pos-plugin.toml"
    config.write_text('[printer]\nport = "ninety"\n', encoding="utf-8")

    result = CliRunner().invoke(
        cli,
        ["doctor"],
        obj=ScriptInfo(create_app=create_app),
        env={"POS_PLUGIN_HOME": str(tmp_path), "POS_PLUGIN_CONFIG": None},
    )

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.splitlines() == [
        f"FAIL  config  The configuration cannot be used: {config}: printer.port: Not a valid "
        "integer. Correct it, then run `pos-plugin doctor` again.",
        "The other checks need the configuration; they run once it is fixed.",
    ]


def test_a_printer_that_is_switched_off_fails_with_what_to_do(new_store):
    port = closed_port()
    app = new_store(printer=PrinterSettings(kind="network", host="127.0.0.1", port=port))

    result = app.test_cli_runner().invoke(cli, ["doctor"])

    assert result.exit_code == 1
    found = lines_of(result.output)
    assert found["printer"] == (
        f"FAIL  The receipt printer does not answer (127.0.0.1:{port} refused the connection; "
        "is the printer on?). Check it is switched on and on the shop network, then run "
        "`pos-plugin print-test`."
    )
    assert found["database"].startswith("ok  ")
    assert result.output.splitlines()[-1] == "1 failed, 1 to look at."  # no backup yet: a warning


def test_a_schema_behind_this_version_fails_until_init_upgrades_it(new_store):
    app = new_store(revision="0008_partial_comp_indexes")
    runner = app.test_cli_runner()

    before = runner.invoke(cli, ["doctor"])

    assert before.exit_code == 1
    assert lines_of(before.output)["database"] == (
        f"FAIL  The database is at schema 0008_partial_comp_indexes; this version needs "
        f"{SCHEMA_HEAD}. Run `pos-plugin init` to upgrade it (every record is kept)."
    )
    assert runner.invoke(cli, ["init"]).exit_code == 0
    after = runner.invoke(cli, ["doctor"])
    assert lines_of(after.output)["database"].startswith("ok  Reachable; its schema is up to date")
    assert after.exit_code == 0, after.output


def test_a_full_disk_fails_with_what_to_do(small_disk, new_store, backend):
    if backend != "sqlite":
        pytest.skip("the data directory's disk; the database file lives there on SQLite")
    home = small_disk / "home"
    app = new_store(home=home, database_url=f"sqlite:///{small_disk / 'pos-plugin.db'}")
    with (small_disk / "filler").open("wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"\0" * 65536)
        except OSError:
            pass  # full

    result = app.test_cli_runner().invoke(cli, ["doctor"])

    assert result.exit_code == 1
    assert lines_of(result.output)["disk"] == (
        f"FAIL  The disk that holds {home} is nearly full: 0 MB free (0%). Taps are refused "
        "when it is full. Free some space now, or move the data directory to a bigger disk."
    )
    assert "Traceback" not in result.output


@pytest.mark.parametrize("backend", ["sqlite"])
def test_loose_file_modes_are_closed_at_the_start_and_the_doctor_says_they_were_open(
    tmp_path, empty_database_url
):
    def doctor() -> Any:
        return CliRunner().invoke(
            cli,
            ["doctor"],
            obj=ScriptInfo(create_app=create_app),
            env={"POS_PLUGIN_HOME": str(tmp_path / "home"), "POS_PLUGIN_CONFIG": None},
        )

    home = tmp_path / "home"
    assert (
        CliRunner()
        .invoke(
            cli, ["init"], obj=ScriptInfo(create_app=create_app), env={"POS_PLUGIN_HOME": str(home)}
        )
        .exit_code
        == 0
    )
    home.chmod(0o755)
    (home / "pos-plugin.db").chmod(0o644)

    found = lines_of(doctor().output)
    again = lines_of(doctor().output)

    assert found["files"] == (
        f"warn  Other users could read {home}, pos-plugin.db until now; it is private since "
        "this start. If anyone else has an account on this computer, change the staff PINs."
    )
    assert again["files"] == (
        f"ok  The data directory {home} and everything in it are readable by "
        f"{getpass.getuser()} only."
    )
    assert stat.S_IMODE((home / "pos-plugin.db").stat().st_mode) == 0o600
