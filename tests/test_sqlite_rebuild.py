"""SQLite's procedure for rebuilding tables: foreign keys off only around the migration
transaction, checked before it commits, and never off on a connection the app gets back."""

import uuid

import pytest
import sqlalchemy as sa

from pos_plugin.database import db
from pos_plugin.sqlite_rebuild import (
    BrokenForeignKeys,
    UpgradeRefused,
    check_foreign_keys,
    foreign_keys_off,
)

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def foreign_keys(connection: sa.Connection) -> int:
    return connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one()


@pytest.mark.usefixtures("app_ctx")
def test_foreign_keys_are_off_inside_and_on_again_after():
    with db.engine.connect() as connection:
        with foreign_keys_off(connection), connection.begin():
            inside = foreign_keys(connection)
        after = foreign_keys(connection)
    assert (inside, after) == (0, 1)


@pytest.mark.usefixtures("app_ctx")
def test_foreign_keys_are_not_turned_off_once_a_transaction_has_begun():
    # Inside a transaction the pragma would do nothing: a rebuild would then fail, or
    # cascade, on a table that rows point at.
    with db.engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")  # begins a transaction
        with (
            pytest.raises(UpgradeRefused, match="a transaction is open"),
            foreign_keys_off(connection),
        ):
            pass
        assert foreign_keys(connection) == 1


@pytest.mark.usefixtures("app_ctx")
def test_a_connection_whose_foreign_keys_cannot_be_turned_on_again_is_discarded():
    with db.engine.connect() as connection:
        with foreign_keys_off(connection):
            connection.begin()  # left open: the pragma cannot take effect after it
        assert connection.invalidated


@pytest.mark.usefixtures("app_ctx")
def test_the_check_names_the_first_rows_pointing_nowhere_and_counts_the_rest():
    with db.engine.connect() as connection, foreign_keys_off(connection):
        transaction = connection.begin()
        for n in range(1, 6):
            connection.execute(
                sa.text(
                    "INSERT INTO idempotency_key (scope, key, request_hash, comp_id, created_at) "
                    "VALUES ('comp', :key, 'h', :comp, '2026-11-24 07:00:00')"
                ),
                {"key": f"k{n}", "comp": uuid.UUID(int=n).hex},
            )
        with pytest.raises(BrokenForeignKeys) as error:
            check_foreign_keys(connection)
        transaction.rollback()
    assert str(error.value) == (
        "5 rows point at a row that is not there: idempotency_key row 1 (comp_id -> comp), "
        "idempotency_key row 2 (comp_id -> comp), idempotency_key row 3 (comp_id -> comp) "
        "and 2 more"
    )
