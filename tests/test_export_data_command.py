"""`pos-plugin export-data`: every table as CSV for the owner, or anonymised for a third party."""

from __future__ import annotations

import csv
import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pos_plugin.cli import cli
from pos_plugin.database import Base, db, write_transaction
from pos_plugin.models import ApiToken, Device, Role, Staff, StaffSession
from pos_plugin.services import comps
from pos_plugin.services.actors import Actor
from pos_plugin.services.comps import CompRequest
from pos_plugin.services.store import get_store

FOLDER = "export-test-cafe-20261124T100000Z"  # the store id and the test clock's time, UTC
STAFF_NAMES = ("Bea", "Idris")
CUSTOMER_TEXT = ("Priya", "Happy birthday", "Lost her cat", "Spilled on her coat")


@pytest.fixture
def shop(app, client, clock, make_item, make_staff, make_token, enrol, sign_in):
    """A day's trading: two baristas, a signed-in tablet, a till token, comps with customer
    text (one voided), so that every kind of personal and secret value is stored."""
    bea = make_staff(Role.BARISTA, name=STAFF_NAMES[0])
    make_staff(Role.MANAGER, name=STAFF_NAMES[1], pin="9876")
    make_token(Role.BARISTA, name="Bea's own tablet", staff_id=bea.id)
    enrol(client)
    assert sign_in(bea).status_code == 302
    cookie = make_item(value=250, name="Cookie")
    barista = Actor(role=Role.BARISTA, label=f"barista {bea.name!r}", staff_id=bea.id)
    with app.app_context(), write_transaction():
        given = [
            comps.record_comp(barista, get_store(), request, clock.now).comp
            for request in (
                CompRequest(cookie.id, customer_name="Priya", note="Happy birthday, Priya!"),
                CompRequest(cookie.id, reason="Lost her cat", note="=1+1"),
            )
        ]
    with app.app_context(), write_transaction():
        comps.void_comp(barista, given[1].id, "Spilled on her coat", clock.now)
    return bea


def export(runner, *args):
    return runner.invoke(cli, ["export-data", *args])


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_every_table_is_one_csv_file_with_every_row(app, runner, shop, settings):
    result = export(runner)

    assert result.exit_code == 0, result.output
    folder = settings.home / "exports" / FOLDER
    tables = Base.metadata.sorted_tables
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{t.name}.csv" for t in tables] + ["README.txt"]
    )
    with app.app_context():
        for table in tables:
            stored = db.session.scalar(select(func.count()).select_from(table))
            assert len(read(folder / f"{table.name}.csv")) == stored, table.name
    assert result.output.splitlines()[-1] == f"Export written to {folder}"
    assert "comp.csv: 2 rows" in result.output
    # The owner's own export keeps what customers said; a formula is written as text.
    notes = [row["note"] for row in read(folder / "comp.csv")]
    assert sorted(notes) == ["'=1+1", "Happy birthday, Priya!"]


def test_only_the_owner_may_read_the_export(runner, shop, settings):
    export(runner)

    folder = settings.home / "exports" / FOLDER
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o600}


def test_secrets_are_left_out_and_the_readme_says_so(app, runner, shop, tmp_path):
    export(runner, "--to", str(tmp_path / "out"))

    folder = tmp_path / "out" / FOLDER
    with app.app_context():
        secrets = [
            *db.session.scalars(select(Staff.pin_hash)),
            *db.session.scalars(
                select(Staff.password_hash).where(Staff.password_hash.is_not(None))
            ),
            *db.session.scalars(select(ApiToken.token_hash)),
            *db.session.scalars(select(Device.token_hash)),
            *db.session.scalars(select(StaffSession.token_hash)),
        ]
    assert len(secrets) >= 5
    everything = "".join(p.read_text(encoding="utf-8") for p in folder.iterdir())
    assert not [secret for secret in secrets if secret in everything]
    assert "pin_hash" not in read(folder / "staff.csv")[0]
    readme = (folder / "README.txt").read_text(encoding="utf-8")
    assert "staff.csv                1 row" not in readme  # two staff: the counts are real
    assert "left out: pin_hash, password_hash" in readme
    assert "minor units" in readme


def test_anonymised_no_customer_text_or_staff_name_is_left_in_any_file(runner, shop, settings):
    result = export(runner, "--anonymise")

    assert result.exit_code == 0, result.output
    folder = settings.home / "exports" / FOLDER
    for path in folder.iterdir():
        text = path.read_text(encoding="utf-8").casefold()
        found = [word for word in STAFF_NAMES + CUSTOMER_TEXT if word.casefold() in text]
        assert not found, f"{path.name} holds {found}"
    staff = read(folder / "staff.csv")
    assert sorted(row["name"] for row in staff) == sorted(f"staff-{row['id']}" for row in staff)
    comp = read(folder / "comp.csv")
    assert {row["created_by"] for row in comp} == {f"barista 'staff-{shop.id}'"}
    assert [row["value_amount"] for row in comp] == ["250", "250"]


def test_two_exports_make_two_folders(runner, shop, settings, clock):
    export(runner)
    clock.now += timedelta(seconds=1)
    export(runner, "--anonymise")

    assert len(list((settings.home / "exports").iterdir())) == 2


def test_to_a_file_is_a_one_line_error(app, runner, tmp_path):
    target = tmp_path / "a-file"
    target.write_text("not a folder")

    result = export(runner, "--to", str(target))

    assert result.exit_code == 1
    assert result.output == f"Error: {target} is a file, not a folder.\n"


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs Linux's sysfs")
def test_to_a_folder_that_cannot_be_written_is_a_one_line_error(app, runner, tmp_path):
    # sysfs refuses a new folder even to root, as a read-only share would.
    result = export(runner, "--to", "/sys")

    assert result.exit_code == 1
    assert result.output == "Error: Cannot write to /sys: Operation not permitted.\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to any folder")
def test_to_a_read_only_folder_is_a_one_line_error(app, runner, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)

    result = export(runner, "--to", str(locked))

    assert result.exit_code == 1
    assert result.output == f"Error: Cannot write to {locked}: Permission denied.\n"
