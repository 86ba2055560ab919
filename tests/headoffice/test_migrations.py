"""Head office's own migrations: they build exactly the models' schema, and 0002 keeps the sets."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from pos_plugin.headoffice import database
from pos_plugin.headoffice.models import HeadOfficeBase

from .conftest import DAY, NOW


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Migrations start from an empty database: the Citus one is made once and distributed."""
    return str(request.param)


def test_upgrade_from_empty_matches_the_models(empty_database_url):
    engine = database.open_database(empty_database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"compare_type": True, "version_table": database.VERSION_TABLE},
            )
            assert compare_metadata(context, HeadOfficeBase.metadata) == []
    finally:
        engine.dispose()


def test_sets_ingested_before_version_2_are_marked_format_1_and_the_way_back_works(
    empty_database_url,
):
    engine = database.make_engine(empty_database_url)
    try:
        database.upgrade(engine, "ho_0001_initial")
        with engine.begin() as connection:
            connection.execute(
                sa.text("INSERT INTO ho_store VALUES ('cafe-001', 'ed25519:k', 'k', 't', :now)"),
                {"now": NOW},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO ho_set (store_id, business_date, sequence, manifest_sha256,"
                    " exported_at, ingested_at, state, comps_rows, shifts_rows, stories_rows,"
                    " totals) VALUES ('cafe-001', :day, 1, 'x', :now, :now, 'current',"
                    " 0, 0, 0, '{}')"
                ),
                {"day": DAY, "now": NOW},
            )

        database.upgrade(engine)

        with engine.connect() as connection:
            versions = connection.execute(sa.text("SELECT format_version FROM ho_set")).all()
        assert versions == [(1,)]
        database.downgrade(engine, "ho_0001_initial")
        columns = {c["name"] for c in sa.inspect(engine).get_columns("ho_story")}
        assert "story" in columns
        assert "customer_name" not in columns
        database.upgrade(engine)
        assert database.current_revision(engine) == "ho_0006_no_store_day_indexes"
    finally:
        engine.dispose()


@pytest.mark.postgres_only
def test_a_head_office_upgraded_with_the_first_0002_also_takes_a_story_without_its_starrer(
    backend, empty_database_url
):
    if backend != "postgresql":
        pytest.skip("the first ho_0002 is remade in place with ALTER, which is PostgreSQL's")
    engine = database.make_engine(empty_database_url)
    try:
        database.upgrade(engine, "ho_0002_approvers_and_stories")
        with engine.begin() as connection:  # as the first ho_0002 left it
            connection.execute(sa.text("ALTER TABLE ho_story ALTER starred_by SET NOT NULL"))

        database.upgrade(engine)

        columns = sa.inspect(engine).get_columns("ho_story")
        assert next(c["nullable"] for c in columns if c["name"] == "starred_by") is True
    finally:
        engine.dispose()


def test_ho_0005_rolls_up_the_comps_already_ingested_and_keys_sets_by_store(
    backend, empty_database_url
):
    engine = database.make_engine(empty_database_url)
    try:
        database.upgrade(engine, "ho_0003_starred_by_optional")
        with engine.begin() as connection:
            if backend == "postgresql":
                connection.execute(
                    sa.text(
                        "CREATE TABLE ho_comp_p2026_11 PARTITION OF ho_comp"
                        " FOR VALUES FROM ('2026-11-01') TO ('2026-12-01')"
                    )
                )
            for n, status in enumerate(["active", "active", "voided"]):
                connection.execute(
                    sa.text(
                        "INSERT INTO ho_comp (business_date, store_id, comp_id, sequence, status,"
                        " created_at, item_id, item_name, value_amount, currency, shift_id,"
                        " created_by) VALUES (:day, 'cafe-001', :id, 1, :status, :now, 1,"
                        " 'Free cookie', 180, 'GBP', 7, 'Ana')"
                    ),
                    {
                        "day": DAY,
                        "id": f"00000000-0000-0000-0000-00000000000{n}",
                        "now": NOW,
                        "status": status,
                    },
                )

        database.upgrade(engine, "ho_0005_rollups")

        with engine.connect() as connection:
            rolled = connection.execute(sa.text("SELECT * FROM ho_rollup_item")).mappings().all()
            barista = connection.execute(sa.text("SELECT name FROM ho_rollup_barista")).all()
        assert [(r["name"], r["comps"], r["value"], r["voids"]) for r in rolled] == [
            ("Free cookie", 2, 360, 1)
        ]
        assert barista == [("",)]  # the old rows carry no barista's name
        keys = sa.inspect(engine).get_pk_constraint("ho_set")["constrained_columns"]
        assert keys == ["store_id", "business_date", "sequence"]
        database.downgrade(engine, "ho_0003_starred_by_optional")
        assert sa.inspect(engine).get_pk_constraint("ho_set")["constrained_columns"] == ["id"]
        assert "ho_rollup_item" not in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()
