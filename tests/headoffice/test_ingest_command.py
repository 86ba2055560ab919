"""`pos-plugin headoffice ingest`, `partitions` and `add-store --from` as head office types them."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from pos_plugin.cli import cli
from pos_plugin.headoffice import ingest, progress
from pos_plugin.headoffice.database import read_session
from pos_plugin.headoffice.models import IngestedSet, RegisteredStore
from pos_plugin.sync import signing

from .conftest import DAY, comp_row


@pytest.fixture
def headoffice(empty_database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("POS_PLUGIN_HOME", str(tmp_path / "home"))
    for name in ("POS_PLUGIN_CONFIG", "POS_PLUGIN_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    def run(*args, **kwargs):
        return runner.invoke(cli, ["headoffice", *args, "--db", empty_database_url], **kwargs)

    return run


@pytest.fixture
def three_days(register, make_set, tmp_path):
    keys = register()
    inbox = tmp_path / "drop"
    return [
        make_set(
            keys, [comp_row(DAY + timedelta(days=n))], day=DAY + timedelta(days=n), folder=inbox
        )
        for n in range(3)
    ]


def sets_ingested(engine):
    with read_session(engine) as session:
        return session.scalar(select(func.count()).select_from(IngestedSet))


def test_each_set_is_printed_and_archived_as_it_is_ingested(
    headoffice, three_days, tmp_path, ho_engine
):
    result = headoffice("ingest", str(tmp_path / "drop"))

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"cafe-001_{DAY + timedelta(days=n)}_001.manifest.json: ingested: 1 comps of cafe-001 "
        f"on {DAY + timedelta(days=n)}"
        for n in range(3)
    ]
    assert list((tmp_path / "drop").iterdir()) == []
    archived = tmp_path / "home" / "headoffice" / "archive" / "cafe-001"
    assert len(list(archived.glob("*.manifest.json"))) == 3
    again = headoffice("ingest", str(archived))
    assert again.output.count("already ingested") == 3
    assert len(list(archived.iterdir())) == 12


def test_when_the_database_drops_mid_run_the_sets_already_done_are_listed(
    headoffice, three_days, tmp_path, ho_engine, monkeypatch
):
    monkeypatch.setattr(ingest, "BATCH_SETS", 1)  # each set committed by itself
    real = ingest.replace_days
    calls = []

    def dropping(*args, **kwargs):
        calls.append(args)
        if len(calls) >= 3:  # gone, and it stays gone
            raise OperationalError("COPY", {}, Exception("server closed the connection"))
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest, "replace_days", dropping)

    result = headoffice("ingest", str(tmp_path / "drop"))

    assert result.exit_code == 1
    assert "2026-11-23_001.manifest.json: ingested" in result.output
    assert "2026-11-24_001.manifest.json: ingested" in result.output
    assert "The head office database failed at cafe-001_2026-11-25_001.manifest.json" in (
        result.output
    )
    assert "2 of 3 file set(s) were done" in result.output
    assert sets_ingested(ho_engine) == 2
    assert [p.name for p in (tmp_path / "drop").glob("*.manifest.json")] == [three_days[2].name]


def test_a_batch_the_database_drops_is_not_counted_done(
    headoffice, three_days, tmp_path, ho_engine, monkeypatch
):
    def dropping(*args, **kwargs):
        raise OperationalError("COPY", {}, Exception("server closed the connection"))

    monkeypatch.setattr(ingest, "replace_days", dropping)

    result = headoffice("ingest", str(tmp_path / "drop"))

    assert result.exit_code == 1
    assert "The head office database failed at cafe-001_2026-11-23_001.manifest.json" in (
        result.output
    )
    assert "0 of 3 file set(s) were done" in result.output
    assert sets_ingested(ho_engine) == 0
    assert len(list((tmp_path / "drop").glob("*.manifest.json"))) == 3


def test_a_refused_set_is_quarantined_not_archived(headoffice, register, make_set, tmp_path):
    path = make_set(register(), folder=tmp_path / "drop")
    path.with_name(path.name.replace("manifest.json", "comps.csv")).write_bytes(b"x")

    result = headoffice("ingest", str(tmp_path / "drop"))

    assert result.exit_code == 1
    assert "REFUSED cafe-001_2026-11-23_001.manifest.json: cafe-001_2026-11-23_001.comps.csv" in (
        result.output
    )
    assert not (tmp_path / "home" / "headoffice" / "archive").exists()
    assert len(list((tmp_path / "home" / "headoffice" / "quarantine").iterdir())) == 1


def test_in_a_terminal_many_sets_show_a_bar_under_their_lines(tmp_path):
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100)
    outcomes = [
        ingest.Outcome(tmp_path / f"cafe-001_2026-11-{n:02d}_001.manifest.json", "ingested", "ok")
        for n in range(1, progress.BAR_FROM_SETS + 1)
    ]

    with progress.OutcomePrinter(len(outcomes), console) as printer:
        for outcome in outcomes:
            printer.print(outcome)

    shown = screen.getvalue()
    assert "cafe-001_2026-11-01_001.manifest.json: ok" in shown
    assert f"{progress.BAR_FROM_SETS}/{progress.BAR_FROM_SETS}" in shown


def test_a_few_sets_in_a_terminal_get_plain_lines(tmp_path, capsys):
    console = Console(file=io.StringIO(), force_terminal=True)
    outcome = ingest.Outcome(tmp_path / "cafe-001_2026-11-01_001.manifest.json", "ingested", "ok")

    with progress.OutcomePrinter(1, console) as printer:
        printer.print(outcome)

    assert capsys.readouterr().out == "cafe-001_2026-11-01_001.manifest.json: ok\n"
    assert console.file.getvalue() == ""


def test_the_partitions_command_says_so_where_there_are_none(headoffice, backend):
    result = headoffice("partitions", "--months-ahead", "1")

    assert result.exit_code == 0, result.output
    if backend == "sqlite":
        assert result.output == "Nothing to do: sqlite has no partitions.\n"
    else:
        assert result.output.startswith("Made ho_comp_p")
        assert headoffice("partitions", "--months-ahead", "1").output == (
            "Every partition was there already.\n"
        )


def key_line():
    return signing.public_key_text(Ed25519PrivateKey.generate())


def registered(engine):
    with read_session(engine) as session:
        return sorted(session.scalars(select(RegisteredStore.id)))


def test_add_store_from_a_file_registers_every_store_and_prints_their_tokens(
    headoffice, tmp_path, ho_engine
):
    stores_csv = tmp_path / "stores.csv"
    stores_csv.write_text(f"store_id,key\ncafe-001,{key_line()}\n\ncafe-002,{key_line()}\n")

    result = headoffice("add-store", "--from", str(stores_csv))

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "store_id,key_id,upload_token"
    assert [line.split(",")[0] for line in lines[1:]] == ["cafe-001", "cafe-002"]
    assert all(line.split(",")[2].startswith("ho_") for line in lines[1:])
    assert "Registered 2 stores (0 of them re-keyed)." in result.stderr
    assert registered(ho_engine) == ["cafe-001", "cafe-002"]


def test_add_store_from_a_file_with_bad_lines_registers_none_and_names_each_line(
    headoffice, tmp_path, ho_engine
):
    stores_csv = tmp_path / "stores.csv"
    stores_csv.write_text(
        "store_id,key\n"
        f"cafe-001,{key_line()}\n"
        "cafe-002,ed25519:not-a-key\n"
        f"Cafe 3,{key_line()}\n"
        f"cafe-001,{key_line()}\n"
        "cafe-005\n"
    )

    result = headoffice("add-store", "--from", str(stores_csv))

    assert result.exit_code == 1
    assert "No store was registered:" in result.output
    assert f"{stores_csv}, line 3: the key of cafe-002:" in result.output
    assert f"{stores_csv}, line 4: store id 'Cafe 3' is not" in result.output
    assert f"{stores_csv}, line 5: cafe-001 again (first on line 2)" in result.output
    assert f"{stores_csv}, line 6: 1 cells, not 2" in result.output
    assert registered(ho_engine) == []


def test_add_store_takes_one_store_or_a_file_not_both(headoffice, tmp_path):
    stores_csv = tmp_path / "stores.csv"
    stores_csv.write_text("store_id,key\n")

    both = headoffice("add-store", "cafe-001", "--key", key_line(), "--from", str(stores_csv))
    empty = headoffice("add-store", "--from", str(stores_csv))

    assert both.exit_code == 2
    assert "not both" in both.output
    assert empty.exit_code == 1
    assert "no stores in it" in empty.output
