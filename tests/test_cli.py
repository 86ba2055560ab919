"""The `pos-plugin` command, as a store manager types it.

The first part drives the commands in-process against the test app (so on
SQLite and PostgreSQL); the second runs the real console script in a fresh data
directory, once, on its default SQLite database.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import os
import socket
import sqlite3
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
import trustme
from flask import Flask
from sqlalchemy import func, select

from pos_plugin import create_app
from pos_plugin.cli import cli, exposure_warning
from pos_plugin.database import db
from pos_plugin.models import ApiToken, Staff
from pos_plugin.services import staff as staff_service
from pos_plugin.services.store import get_store
from pos_plugin.settings import SecuritySettings


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def failed_cleanly(result) -> bool:
    """Click turned the error into a message and an exit status: no traceback."""
    return isinstance(result.exception, SystemExit) and "Traceback" not in result.output


# -- token create ---------------------------------------------------------------------------


def test_token_create_prints_only_the_token_and_it_opens_the_api(runner, client):
    result = runner.invoke(cli, ["token", "create", "--role", "till", "--name", "front"])

    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    [token] = result.stdout.splitlines()
    assert token.startswith("oth_")
    response = client.get("/api/v1/catalog", headers=bearer(token))
    assert response.status_code == 200


def test_token_create_for_a_staff_member_taps_in_their_name(runner, client, make_staff, make_item):
    ana = make_staff(name="Ana")
    args = ["token", "create", "--role", "barista", "--name", "Ana's tablet", "--staff", "Ana"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    item = make_item(value=10)
    tapped = client.post(
        "/api/v1/comps", json={"item_id": item.id}, headers=bearer(result.stdout.strip())
    )
    assert tapped.json["staff_id"] == ana.id


def test_token_create_for_an_unknown_staff_member_says_so(runner):
    args = ["token", "create", "--role", "barista", "--name", "x", "--staff", "Nobody"]
    result = runner.invoke(cli, args)
    assert result.exit_code != 0
    assert "No staff member 'Nobody'" in result.output


def test_each_token_create_gives_a_new_token(runner):
    args = ["token", "create", "--role", "till", "--name", "front"]

    first = runner.invoke(cli, args).stdout.strip()
    second = runner.invoke(cli, args).stdout.strip()

    assert first != second


def test_a_token_can_do_what_its_role_allows_and_no_more(runner, client):
    def token(role: str) -> str:
        result = runner.invoke(cli, ["token", "create", "--role", role, "--name", role])
        assert result.exit_code == 0, result.output
        return result.stdout.strip()

    override = {"allowance": {"amount": 900, "currency": "EUR"}, "max_comps": 5}

    as_till = client.patch("/api/v1/shifts/current", json=override, headers=bearer(token("till")))
    as_manager = client.patch(
        "/api/v1/shifts/current", json=override, headers=bearer(token("manager"))
    )

    assert as_till.status_code == 403
    assert as_manager.status_code == 200


def test_token_create_with_an_unknown_role_is_a_usage_error(app, runner):
    result = runner.invoke(cli, ["token", "create", "--role", "owner", "--name", "front"])

    assert result.exit_code == 2
    assert "Invalid value for '--role'" in result.stderr
    assert result.stdout == ""
    assert count(app, ApiToken) == 0


def test_token_create_without_a_name_is_a_usage_error(runner):
    result = runner.invoke(cli, ["token", "create", "--role", "till"])

    assert result.exit_code == 2
    assert "--name" in result.stderr


def test_token_create_with_a_blank_name_is_refused_with_a_message(app, runner):
    result = runner.invoke(cli, ["token", "create", "--role", "till", "--name", "   "])

    assert result.exit_code == 1
    assert failed_cleanly(result)
    assert "Error: Say what the token is for, e.g. 'front till'." in result.stderr
    assert result.stdout == ""
    assert count(app, ApiToken) == 0


def test_print_test_without_a_printer_says_how_to_set_one_up(runner):
    result = runner.invoke(cli, ["print-test"])

    assert result.exit_code == 1
    assert failed_cleanly(result)
    assert "No receipt printer is set up: set [printer] kind in" in result.stderr


# -- staff ----------------------------------------------------------------------------------


def test_staff_add_adds_a_barista_who_can_sign_in_with_the_pin(app, runner):
    result = runner.invoke(cli, ["staff", "add", "Ana", "--role", "barista", "--pin", "1234"])

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Added Ana (barista) as staff #")
    assert "1234" not in result.output
    with app.app_context():
        [ana] = staff_service.list_staff()
        assert (ana.name, ana.role.value, ana.active) == ("Ana", "barista", True)
        assert staff_service.check_pin(ana, "1234")
        assert not staff_service.check_pin(ana, "4321")


def test_staff_add_asks_for_the_pin_twice_without_showing_it(app, runner):
    result = runner.invoke(cli, ["staff", "add", "Maya", "--role", "manager"], input="9876\n9876\n")

    assert result.exit_code == 0, result.output
    assert "9876" not in result.output
    assert "Added Maya (manager)" in result.stdout
    with app.app_context():
        [maya] = staff_service.list_staff()
        assert staff_service.check_pin(maya, "9876")


def test_staff_add_with_a_too_short_pin_fails_with_a_clear_message(app, runner):
    result = runner.invoke(cli, ["staff", "add", "Ana", "--role", "barista", "--pin", "12"])

    assert result.exit_code == 1
    assert failed_cleanly(result)
    assert result.stderr == "Error: A PIN is 4 to 8 digits.\n"
    assert count(app, Staff) == 0


def test_staff_add_holds_a_manager_to_the_store_s_pin_length(app, runner, settings):
    app.config["POS_PLUGIN_SETTINGS"] = dataclasses.replace(
        settings, security=SecuritySettings(manager_pin_digits=6)
    )
    short = ["staff", "add", "Maya", "--role", "manager", "--pin", "9876"]

    result = runner.invoke(cli, short)

    assert result.exit_code == 1
    assert failed_cleanly(result)
    assert result.stderr == "Error: A manager's PIN is at least 6 digits here.\n"
    assert count(app, Staff) == 0
    assert runner.invoke(cli, [*short[:-1], "987654"]).exit_code == 0
    assert runner.invoke(cli, ["staff", "add", "Ana", "--pin", "1234"]).exit_code == 0


def test_staff_add_refuses_a_second_person_with_the_same_name(app, runner):
    runner.invoke(cli, ["staff", "add", "Ana", "--pin", "1234"])

    result = runner.invoke(cli, ["staff", "add", "Ana", "--pin", "5678"])

    assert result.exit_code == 1
    assert failed_cleanly(result)
    assert "already a staff member called 'Ana'" in result.stderr
    assert count(app, Staff) == 1


def test_staff_add_only_adds_baristas_and_managers(app, runner):
    result = runner.invoke(cli, ["staff", "add", "Till", "--role", "till", "--pin", "1234"])

    assert result.exit_code == 2
    assert count(app, Staff) == 0


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("An\x00a", "NUL character"),
        ("Ana\x1b[31m", "control character (U+001B)"),
        ("Ana\udcff", "lone surrogate"),  # how Python hands over argv bytes that are not UTF-8
        ("Ana\u202e", "bidirectional"),
    ],
)
def test_staff_add_refuses_a_dirty_name_naming_the_argument(app, runner, name, what):
    result = runner.invoke(cli, ["staff", "add", name, "--pin", "1234"])

    assert result.exit_code == 2
    assert "Invalid value for 'NAME'" in result.stderr
    assert what in result.stderr
    assert count(app, Staff) == 0


def test_token_create_refuses_a_dirty_name_naming_the_option(app, runner):
    result = runner.invoke(cli, ["token", "create", "--role", "till", "--name", "front\x07"])

    assert result.exit_code == 2
    assert "Invalid value for '--name'" in result.stderr
    assert "control character (U+0007)" in result.stderr
    assert result.stdout == ""
    assert count(app, ApiToken) == 0


def test_staff_add_stores_a_decomposed_name_composed(app, runner):
    result = runner.invoke(cli, ["staff", "add", "Zoe\u0308", "--pin", "1234"])

    assert result.exit_code == 0, result.output
    with app.app_context():
        [zoe] = staff_service.list_staff()
        assert zoe.name == "Zo\u00eb"


def test_staff_list_shows_everyone_by_name_with_their_role(runner):
    runner.invoke(cli, ["staff", "add", "Ben", "--role", "barista", "--pin", "2222"])
    runner.invoke(cli, ["staff", "add", "Ana", "--role", "manager", "--pin", "1111"])

    result = runner.invoke(cli, ["staff", "list"])

    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines()]
    assert [row[1:] for row in rows] == [["Ana", "manager"], ["Ben", "barista"]]


# -- init on a database with no tables yet ------------------------------------------------------


@pytest.fixture
def new_store(tmp_path: Path, empty_database_url: str, settings_for) -> Iterator[Flask]:
    """The test app on a database with no tables at all, as a new store's is."""
    settings = settings_for(tmp_path / "home", empty_database_url)
    app = create_app({"SETTINGS": settings, "TESTING": True})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def reconfigure(app: Flask, **changes: dict) -> None:
    """Edit the app's settings as a manager edits pos-plugin.toml: `store={"name": ...}`."""
    settings = app.config["POS_PLUGIN_SETTINGS"]
    app.config["POS_PLUGIN_SETTINGS"] = dataclasses.replace(
        settings,
        **{
            section: dataclasses.replace(getattr(settings, section), **values)
            for section, values in changes.items()
        },
    )


def test_init_creates_the_schema_on_an_empty_database_and_reports_ready(new_store):
    runner = new_store.test_cli_runner()

    result = runner.invoke(cli, ["init"])

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Database ready (schema ")
    assert "for Test Cafe [test-cafe]." in result.stdout
    token = runner.invoke(cli, ["token", "create", "--role", "till", "--name", "t"]).stdout
    response = new_store.test_client().get("/api/v1/catalog", headers=bearer(token.strip()))
    assert response.status_code == 200


def test_init_on_a_ready_database_changes_nothing_and_reports_ready_again(new_store):
    runner = new_store.test_cli_runner()

    first = runner.invoke(cli, ["init"])
    second = runner.invoke(cli, ["init"])

    assert second.exit_code == 0, second.output
    assert second.stdout == first.stdout


def test_init_applies_an_edited_store_and_allowance_to_the_database(new_store):
    runner = new_store.test_cli_runner()
    runner.invoke(cli, ["init"])
    reconfigure(
        new_store, store={"name": "Bean There"}, allowance={"amount": 700, "max_comps": None}
    )

    result = runner.invoke(cli, ["init"])

    assert result.exit_code == 0, result.output
    assert "for Bean There [test-cafe]." in result.stdout
    with new_store.app_context():
        store = get_store()
        assert (store.name, store.default_allowance_amount, store.default_max_comps) == (
            "Bean There",
            700,
            None,
        )


def test_init_refuses_a_configuration_that_changes_the_store_id(new_store):
    runner = new_store.test_cli_runner()
    runner.invoke(cli, ["init"])
    reconfigure(new_store, store={"id": "other-cafe"})

    result = runner.invoke(cli, ["init"])

    assert result.exit_code == 1
    assert failed_cleanly(result)
    assert "a store's id cannot change" in result.stderr
    with new_store.app_context():
        assert get_store().id == "test-cafe"


@pytest.mark.parametrize(
    "command",
    [["token", "create", "--role", "till", "--name", "front"], ["staff", "list"]],
    ids=["token create", "staff list"],
)
def test_a_command_before_init_says_to_run_init(new_store, command):
    result = new_store.test_cli_runner().invoke(cli, command)

    assert result.exit_code == 1
    assert failed_cleanly(result)
    assert "Run `pos-plugin init`" in result.stderr


# -- the real console script, in a fresh data directory ---------------------------------------

console_script = pytest.mark.console_script


def pos_plugin(
    home: Path, *args: str, timeout: float = 60, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run `python -m pos_plugin ARGS` with POS_PLUGIN_HOME=home and only the given extra env."""
    return subprocess.run(
        [sys.executable, "-m", "pos_plugin", *args],
        env=script_env(home) | env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def script_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POS_PLUGIN_")}
    env["POS_PLUGIN_HOME"] = str(home)
    return env


def query(home: Path, sql: str) -> list[tuple]:
    """Read the data directory's SQLite database as the script left it."""
    with closing(sqlite3.connect(home / "pos-plugin.db")) as database:
        return database.execute(sql).fetchall()


@console_script
def test_init_demo_writes_the_config_and_prints_the_pins_then_adds_nothing_the_second_time(
    tmp_path,
):
    first = pos_plugin(tmp_path, "init", "--demo")

    assert first.returncode == 0, first.stderr
    config = tmp_path / "pos-plugin.toml"
    assert f"Wrote the demo configuration to {config}" in first.stdout
    assert 'id = "cafe-001"' in config.read_text(encoding="utf-8")
    assert "for The Copper Kettle [cafe-001]." in first.stdout
    assert "Demo added: " in first.stdout
    assert " past comps (" in first.stdout
    for pin_line in [
        "Ana    barista  PIN 1111",
        "Ben    barista  PIN 2222",
        "Chloe  barista  PIN 3333",
        "Maya   manager  PIN 9999",
    ]:
        assert pin_line in first.stdout
    # The history has what the console and the nightly sync show: approvals and starred stories.
    with sqlite3.connect(tmp_path / "pos-plugin.db") as db_file:
        approved, starred = db_file.execute(
            "SELECT COUNT(approved_by_id), COUNT(starred_at) FROM comp"
        ).fetchone()
    assert approved > 0
    assert starred > 0

    second = pos_plugin(tmp_path, "init", "--demo")

    assert second.returncode == 0, second.stderr
    assert "The store already has staff; no demo data added." in second.stdout
    assert "Demo added" not in second.stdout
    assert "Wrote the demo configuration" not in second.stdout
    assert query(tmp_path, "SELECT count(*) FROM staff") == [(4,)]


@console_script
def test_staff_add_with_a_name_that_is_not_utf8_is_one_line_not_a_traceback(tmp_path):
    assert pos_plugin(tmp_path, "init").returncode == 0
    result = subprocess.run(
        [sys.executable, "-m", "pos_plugin", "staff", "add", b"Caf\xe9", "--pin", "1234"],
        env=script_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "Invalid value for 'NAME'" in result.stderr
    assert "lone surrogate" in result.stderr
    assert query(tmp_path, "SELECT count(*) FROM staff") == [(0,)]


@console_script
def test_init_with_an_unknown_key_stops_with_one_line_naming_the_file_and_key(tmp_path):
    config = tmp_path / "pos-plugin.toml"
    config.write_text('[store]\ncurrncy = "EUR"\n', encoding="utf-8")

    result = pos_plugin(tmp_path, "init")

    assert result.returncode != 0
    assert result.stderr == f"Error: {config}: store.currncy: Unknown field.\n"
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout == ""


@console_script
def test_init_with_pos_plugin_config_naming_a_missing_file_stops_with_a_message(tmp_path):
    result = pos_plugin(tmp_path, "init", POS_PLUGIN_CONFIG=str(tmp_path / "missing.toml"))

    assert result.returncode != 0
    assert "missing.toml: POS_PLUGIN_CONFIG names a file that does not exist" in result.stderr
    assert "Traceback" not in result.stderr


@console_script
def test_serve_on_an_uninitialised_data_directory_says_to_run_init(tmp_path):
    result = pos_plugin(tmp_path, "serve", timeout=30)

    assert result.returncode != 0
    assert "has no tables yet" in result.stderr
    assert "Run `pos-plugin init`." in result.stderr
    assert "Traceback" not in result.stderr
    assert "serving" not in result.stdout


@console_script
def test_token_create_after_init_prints_only_a_token(tmp_path):
    assert pos_plugin(tmp_path, "init").returncode == 0

    result = pos_plugin(tmp_path, "token", "create", "--role", "till", "--name", "front")

    assert result.returncode == 0, result.stderr
    [token] = result.stdout.splitlines()
    assert token.startswith("oth_")
    assert result.stderr == ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@console_script
def test_serve_applies_the_edited_config_and_listens_on_its_port(tmp_path):
    assert pos_plugin(tmp_path, "init").returncode == 0
    port = free_port()
    (tmp_path / "pos-plugin.toml").write_text(
        f'[store]\nname = "Bean There"\n[server]\nport = {port}\n', encoding="utf-8"
    )

    server = subprocess.Popen(
        [sys.executable, "-m", "pos_plugin", "serve"],
        env=script_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        health = wait_for(f"http://127.0.0.1:{port}/healthz", server)
    finally:
        server.terminate()
        server.wait(timeout=10)

    assert json.loads(health) == {"status": "ok"}
    assert query(tmp_path, "SELECT name FROM store") == [("Bean There",)]
    log = (tmp_path / "logs" / "pos-plugin.log").read_text(encoding="utf-8")
    assert f"Serving on http://127.0.0.1:{port}/" in log


def wait_for(url: str, server: subprocess.Popen[bytes], seconds: float = 15) -> bytes:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                return bytes(response.read())
        except (urllib.error.URLError, ConnectionError):
            if server.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@console_script
def test_trying_the_demo_after_a_plain_init_leaves_the_data_directory_usable(tmp_path):
    assert pos_plugin(tmp_path, "init").returncode == 0

    pos_plugin(tmp_path, "init", "--demo")
    again = pos_plugin(tmp_path, "init")

    assert again.returncode == 0, again.stderr


@pytest.mark.console_script
def test_serve_on_a_port_already_taken_says_so_without_a_traceback(tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, "POS_PLUGIN_HOME": str(home)}
    subprocess.run(
        [sys.executable, "-m", "pos_plugin", "init"],
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "pos_plugin", "serve", "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"Cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def issue_certificate(folder: Path) -> tuple[Path, Path, ssl.SSLContext]:
    """A throwaway CA's certificate for 127.0.0.1 as PEM files, and a client that trusts it.

    The files are the user's only, as everything in the data directory must be.
    """
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    cert, key = folder / "store-cert.pem", folder / "store-key.pem"
    cert.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    leaf.private_key_pem.write_to_path(str(key))
    cert.chmod(0o600)
    key.chmod(0o600)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return cert, key, client


@console_script
def test_serve_with_the_configured_certificate_answers_over_https_only(tmp_path):
    assert pos_plugin(tmp_path, "init").returncode == 0
    _, _, client = issue_certificate(tmp_path / "keys")
    port = free_port()
    (tmp_path / "pos-plugin.toml").write_text(
        f'[server]\nport = {port}\ntls_cert = "keys/store-cert.pem"\n'
        'tls_key = "keys/store-key.pem"\n',
        encoding="utf-8",
    )
    (tmp_path / "pos-plugin.toml").chmod(0o600)

    with subprocess.Popen(
        [sys.executable, "-m", "pos_plugin", "serve"],
        env=script_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as server:
        try:
            assert server.stdout is not None
            said = server.stdout.readline()
            deadline = time.monotonic() + 15
            while True:
                try:
                    with urllib.request.urlopen(
                        f"https://127.0.0.1:{port}/healthz", timeout=2, context=client
                    ) as answer:
                        health = json.loads(answer.read())
                    break
                except (urllib.error.URLError, ConnectionError):
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            with pytest.raises((urllib.error.URLError, ConnectionError, http.client.HTTPException)):
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
        finally:
            server.terminate()
            _, errors = server.communicate(timeout=10)

    assert said == f"On the House is serving on https://127.0.0.1:{port}/  (Ctrl+C stops it)\n"
    assert health == {"status": "ok"}
    assert "Warning" not in errors


@console_script
def test_serve_with_a_key_file_that_is_not_there_says_which_in_one_line(tmp_path):
    assert pos_plugin(tmp_path, "init").returncode == 0
    cert, _, _ = issue_certificate(tmp_path / "keys")
    missing = tmp_path / "keys" / "no-such-key.pem"

    result = pos_plugin(
        tmp_path,
        "serve",
        "--port",
        str(free_port()),
        "--tls-cert",
        str(cert),
        "--tls-key",
        str(missing),
    )

    assert result.returncode == 1
    assert result.stderr == (
        f"Error: Cannot serve HTTPS: {missing}: cannot be read (No such file or directory).\n"
    )
    assert result.stdout == ""


@console_script
def test_serve_with_a_certificate_but_no_key_asks_for_both(tmp_path):
    cert, _, _ = issue_certificate(tmp_path / "keys")

    result = pos_plugin(tmp_path, "serve", "--tls-cert", str(cert))

    assert result.returncode == 2
    assert "Give both --tls-cert and --tls-key, or neither." in result.stderr
    assert "Traceback" not in result.stderr


@console_script
def test_serve_on_loopback_in_plain_http_gives_no_warning(tmp_path):
    assert pos_plugin(tmp_path, "init").returncode == 0
    port = free_port()
    with subprocess.Popen(
        [sys.executable, "-m", "pos_plugin", "serve", "--port", str(port)],
        env=script_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as server:
        try:
            wait_for(f"http://127.0.0.1:{port}/healthz", server)
        finally:
            server.terminate()
            _, errors = server.communicate(timeout=10)
    assert "Warning" not in errors


# Listening beyond loopback is not done in tests (loopback only): the warning's words and
# when `serve` gives them.
@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "till.local"])
def test_serving_plain_http_beyond_this_machine_warns_and_says_what_to_do(host):
    warning = exposure_warning(host, tls=False, proxies=0)

    assert warning is not None
    assert "\n" not in warning
    assert warning.startswith(f"Warning: serving plain HTTP on {host}, beyond this machine")
    assert "--tls-cert" in warning
    assert "trusted_proxies" in warning


@pytest.mark.parametrize(
    ("host", "tls", "proxies"),
    [
        ("127.0.0.1", False, 0),
        ("::1", False, 0),
        ("localhost", False, 0),
        ("0.0.0.0", True, 0),
        ("0.0.0.0", False, 1),
    ],
)
def test_loopback_tls_or_a_trusted_proxy_needs_no_warning(host, tls, proxies):
    assert exposure_warning(host, tls=tls, proxies=proxies) is None


@console_script
def test_demo_prints_the_tablet_address_and_pins_and_the_tablet_opens(tmp_path):
    port = free_port()
    printed = []
    with subprocess.Popen(
        [sys.executable, "-m", "pos_plugin", "demo", "--port", str(port)],
        env=script_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as server:
        try:
            assert server.stdout is not None
            for line in server.stdout:
                printed.append(line)
                if "curl" in line:
                    break
            signin = wait_for(f"http://127.0.0.1:{port}/tablet", server).decode()
        finally:
            server.terminate()
            server.wait(timeout=10)

    output = "".join(printed)
    assert f"http://127.0.0.1:{port}/tablet" in output
    assert "Ana 1111" in output
    assert "manager Maya 9999" in output
    assert "Who is at the counter?" in signin  # /tablet sent an anonymous visitor to sign in


@pytest.mark.parametrize("name", ["   ", "\u200b\u200b", "\ufeff", "\u2060 \u200d"])
def test_staff_add_refuses_a_name_that_shows_nothing_like_a_blank_one(app, runner, name):
    result = runner.invoke(cli, ["staff", "add", name, "--pin", "1234"])

    assert result.exit_code == 1
    assert failed_cleanly(result)
    assert "Error: Give the staff member a name." in result.stderr
    assert count(app, Staff) == 0
