"""`pos-plugin headoffice distribute`: head office's tables split by store on Citus."""

from __future__ import annotations

import sqlalchemy as sa
from click.testing import CliRunner

from pos_plugin.cli import cli
from pos_plugin.headoffice import distribute
from pos_plugin.headoffice.models import HeadOfficeBase


def test_every_table_with_store_rows_is_keyed_by_store_as_citus_requires():
    for table in HeadOfficeBase.metadata.sorted_tables:
        if "store_id" not in table.columns:
            continue
        uniques = [c.columns for c in table.constraints if isinstance(c, sa.UniqueConstraint)]
        uniques += [i.columns for i in table.indexes if i.unique]
        for columns in [table.primary_key.columns, *uniques]:
            assert "store_id" in columns, f"{table.name}: a unique key without store_id"
    # The stores, and head office's own people, their sessions and sign-in tries.
    assert set(distribute.plan().reference) == {
        "ho_store",
        "ho_user",
        "ho_user_session",
        "ho_signin_try",
    }


def test_distribute_splits_the_tables_by_store_on_citus_and_says_it_cannot_elsewhere(
    backend, ho_engine, empty_database_url, tmp_path, monkeypatch
):
    monkeypatch.setenv("POS_PLUGIN_HOME", str(tmp_path / "ho-home"))

    result = CliRunner().invoke(cli, ["headoffice", "distribute", "--db", empty_database_url])

    if backend != "citus":
        assert result.exit_code == 1
        assert result.output == (
            "Error: This database has no citus extension: head office's tables stay on this"
            " one server.\n"
        )
        return
    assert result.exit_code == 0, result.output
    assert "ho_store: reference table (a copy on every node)\n" in result.output
    assert "ho_comp: distributed by store_id\n" in result.output
    with ho_engine.connect() as connection:
        kinds = dict(
            connection.exec_driver_sql(
                "SELECT logicalrelid::regclass::text, partmethod || colocationid"
                " FROM pg_dist_partition"
            ).all()
        )
    plan = distribute.plan()
    assert kinds["ho_store"].startswith("n")  # a reference table
    assert {kinds[name] for name in plan.distributed} == {kinds["ho_set"]}  # co-located, by hash
    assert kinds["ho_set"].startswith("h")
