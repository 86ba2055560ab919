"""A store's history as each past revision of the schema kept it, for the upgrade tests.

`HISTORY` is two days of one cafe, every table filled, as the newest schema holds
it. `write(connection, revision)` writes it into a database at an older revision
with plain SQL against that revision's own tables and columns (as its migration
files made them; never through today's models): the tables and columns later
revisions added are left out, and text older versions stored dirty is stored so.
`expected(revision)` is the same history as it must read after the upgrade: what
was written, with each column a later revision added holding what that revision
gave the rows already there.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa

Row = dict[str, Any]

# The past revisions, by the number of their file, and their Alembic ids.
REVISIONS = {
    1: "791fec0d8cb4",  # 0001_store_core
    2: "0002_audit_append_only",
    3: "0003_clean_stored_text",
    4: "0004_print_jobs",
    5: "0005_shift_tallies",
    6: "0006_sync_batches",
    7: "0007_tablet_and_console",
    8: "0008_partial_comp_indexes",
    9: "0009_devices_and_sessions",
    10: "0010_print_job_sent_at",
}

YESTERDAY, TODAY = date(2026, 11, 23), date(2026, 11, 24)  # a Monday and a Tuesday
OPENED = date(2026, 11, 2)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def comp_id(n: int) -> uuid.UUID:
    return uuid.UUID(f"c0ffee00-0000-4000-8000-{n:012d}")


def sha(n: int) -> str:
    return f"{n:x}" * (64 // len(f"{n:x}"))


PIN = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
PASSWORD = "$argon2id$v=19$m=65536,t=3,p=4$cGVwcGVy$cGFzc3dvcmRwYXNzd29yZA"

# The comp whose note an older version stored with an escape sequence (0003 cleans it).
DIRTY_COMP = comp_id(4)
DIRTY_NOTE = "Happy birthday\x1b[5m!"
CLEANED_NOTE = "Happy birthday\ufffd[5m!"


def _comp(n: int, item: int, value: int, staff: int, shift: int, **more: Any) -> Row:
    day = YESTERDAY if shift == 1 else TODAY
    return {
        "id": comp_id(n),
        "item_id": item,
        "value_amount": value,
        "currency": "EUR",
        "staff_id": staff,
        "shift_id": shift,
        "business_date": day,
        "created_at": at(day, 7, 5 * n),
        "created_by": more.pop("created_by", "Ana"),
        "created_by_token_id": more.pop("created_by_token_id", 2),
        "note": None,
        "reason": None,
        "customer_name": None,
        "order_ref": None,
        "breakdown_id": None,
        "status": "active",
        "voided_at": None,
        "voided_by": None,
        "void_reason": None,
        "approved_by_id": None,
        "starred_at": None,
        "starred_by": None,
    } | more


def _voided(day: date, why: str) -> Row:
    return {
        "status": "voided",
        "voided_at": at(day, 9, 30),
        "voided_by": "Maya",
        "void_reason": why,
    }


COMPS = [
    _comp(1, 1, 180, 2, 1),
    _comp(2, 2, 320, 2, 1, **_voided(YESTERDAY, "Rang up twice")),
    _comp(
        3,
        1,
        180,
        3,
        1,
        created_by="front till",
        created_by_token_id=1,
        breakdown_id=1,
        reason="Steamer down\nwaited ten minutes",
        customer_name="Sam",
        order_ref="A-1042",
        approved_by_id=1,
        starred_at=at(YESTERDAY, 10),
        starred_by="Maya",
    ),
    _comp(4, 1, 180, 2, 2, note=CLEANED_NOTE),
    _comp(5, 2, 320, 1, 2, created_by="Maya", created_by_token_id=None),
    _comp(6, 1, 180, 2, 2, **_voided(TODAY, "Wrong item")),
]


def _audit(n: int, when: datetime, actor: str, action: str, entity: str, key: Any) -> Row:
    return {
        "id": n,
        "at": when,
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": str(key),
        "data": {"by": actor, "n": n},
    }


def _rows(shared: Row, *rows: Row) -> list[Row]:
    """Rows holding every column: what they share, then each row's own."""
    return [shared | row for row in rows]


def _shift(n: int, day: date, **own: Any) -> Row:
    return {
        "id": n,
        "template_id": n,
        "business_date": day,
        "starts_at": at(day, 6),
        "ends_at": at(day, 11),
        **own,
    }


HISTORY: dict[str, list[Row]] = {
    "store": [
        {
            "id": "test-cafe",
            "name": "Test Cafe",
            "currency": "EUR",
            "locale": "en_GB",
            "timezone": "Europe/London",
            "business_day_starts": time(4, 0),
            "default_allowance_amount": 1500,
            "default_max_comps": 20,
            "default_max_comps_per_staff": None,
            "prints_notes": True,
        }
    ],
    "staff": _rows(
        {"pin_hash": PIN, "password_hash": None, "active": True, "created_at": at(OPENED, 9)}
        | {"unlocked_at": None},
        {"id": 1, "name": "Maya", "role": "manager", "password_hash": PASSWORD},
        {"id": 2, "name": "Ana", "role": "barista"},
        {"id": 3, "name": "Ben", "role": "barista", "active": False},
    ),
    "api_token": _rows(
        {"staff_id": None, "created_at": at(OPENED, 9, 30), "revoked_at": None},
        {"id": 1, "name": "front till", "role": "till", "token_hash": sha(101)}
        | {"last_used_at": at(TODAY, 7, 40)},
        {"id": 2, "name": "Ana's tablet", "role": "barista", "token_hash": sha(102), "staff_id": 2}
        | {"last_used_at": at(TODAY, 7, 20)},
        {"id": 3, "name": "old till", "role": "till", "token_hash": sha(103)}
        | {"revoked_at": at(OPENED, 10), "last_used_at": None},
    ),
    "catalog_item": _rows(
        {"currency": "EUR", "active": True, "per_shift_limit": None, "prints_note": True},
        {"id": 1, "name": "Cookie", "value_amount": 180, "icon": "🍪", "position": 1}
        | {"suggested_notes": ["Birthday", "Regular"]},
        {"id": 2, "name": "Flat white", "value_amount": 320, "icon": "☕", "position": 2}
        | {"per_shift_limit": 2, "prints_note": False, "suggested_notes": []},
        {"id": 3, "name": "Croissant", "value_amount": 250, "icon": "🥐", "position": 3}
        | {"active": False, "suggested_notes": []},
    ),
    "shift_template": _rows(
        {
            "name": "Morning",
            "starts": time(6, 0),
            "ends": time(11, 0),
            "allowance_amount": 1000,
            "currency": "EUR",
            "max_comps": 10,
            "max_comps_per_staff": 3,
            "active": True,
        },
        {"id": 1, "weekday": 0},
        {"id": 2, "weekday": 1},
    ),
    "shift": _rows(
        {
            "name": "Morning",
            "allowance_amount": 1000,
            "currency": "EUR",
            "max_comps": 10,
            "max_comps_per_staff": 3,
            "overridden_at": None,
            "overridden_by": None,
            "override_reason": None,
            "closed_at": None,
        },
        # The manager raised yesterday's cap; each shift's tallies are its active comps.
        _shift(1, YESTERDAY, max_comps=12, used_amount=360, comps_count=2)
        | {
            "overridden_at": at(YESTERDAY, 9, 15),
            "overridden_by": "Maya",
            "override_reason": "Market day rush",
        },
        _shift(2, TODAY, used_amount=500, comps_count=2),
    ),
    "breakdown": [
        {
            "id": 1,
            "title": "Milk steamer down",
            "recovery": "Apologise first.\nOffer a cookie while we fix it.",
            "suggested_item_id": 1,
            "status": "approved",
            "proposed_by_id": 1,
            "created_at": at(OPENED, 12),
        }
    ],
    "comp": COMPS,
    "idempotency_key": [
        {
            "id": n,
            "scope": "comp",
            "key": f"tablet-{n:04d}",
            "request_hash": sha(n),
            "comp_id": comp_id(n),
            "created_at": at(YESTERDAY if n < 4 else TODAY, 7, 5 * n),
        }
        for n in (1, 3, 4, 6)
    ],
    "audit_event": [
        _audit(1, at(OPENED, 9), "pos-plugin CLI", "staff.added", "staff", 1),
        _audit(2, at(OPENED, 9, 5), "Maya", "item.added", "catalog_item", 1),
        *(
            _audit(
                2 + n, comp["created_at"], comp["created_by"], "comp.created", "comp", comp["id"]
            )
            for n, comp in enumerate(COMPS, start=1)
        ),
        _audit(9, at(YESTERDAY, 9, 30), "Maya", "comp.voided", "comp", comp_id(2)),
        _audit(10, at(YESTERDAY, 9, 15), "Maya", "shift.overridden", "shift", 1),
        _audit(11, at(TODAY, 9, 30), "Maya", "comp.voided", "comp", comp_id(6)),
    ],
    "print_job": _rows(
        {
            "queued_at": at(TODAY, 7, 40),
            "next_attempt_at": at(TODAY, 7, 41),
            "last_error": None,
            "printed_at": None,
            "sent_at": None,
        },
        {"id": 1, "comp_id": comp_id(4), "status": "printed", "attempts": 1}
        | {"printed_at": at(TODAY, 7, 41), "sent_at": at(TODAY, 7, 41)},
        {"id": 2, "comp_id": comp_id(5), "status": "queued", "attempts": 3}
        | {"last_error": "printer offline (connection refused)"},
        {"id": 3, "comp_id": comp_id(6), "status": "cancelled", "attempts": 0},
    ),
    "sync_batch": _rows(
        {
            "business_date": YESTERDAY,
            "content_sha256": sha(7),
            "directory": "/srv/pos/sync/2026-11-23",
            "manifest_name": "manifest.json",
            "comps_count": 3,
            "exported_at": at(TODAY, 2),
            "transport": "sftp",
            "attempts": 1,
            "next_attempt_at": None,
            "last_error": None,
            "delivered_at": at(TODAY, 2, 1),
            "acknowledged_at": None,
            "acknowledgement": None,
            "files_purged_at": None,
        },
        {"id": 1, "sequence": 1, "state": "superseded"},
        {"id": 2, "sequence": 2, "state": "acknowledged"}
        | {"acknowledged_at": at(TODAY, 2, 5), "acknowledgement": "ok 3 comps"},
    ),
    "sign_in_attempt": _rows(
        {"staff_id": 2, "device": "tablet-1"},
        {"id": 1, "at": at(TODAY, 6, 55), "succeeded": False},
        {"id": 2, "at": at(TODAY, 6, 56), "succeeded": True},
        {"id": 3, "at": at(TODAY, 7), "succeeded": False, "staff_id": None, "device": "tablet-2"},
    ),
    # Added by 0009: no past revision holds a row (the coverage test wants today's columns).
    "device": _rows(
        {"enrolled_by": "manager 'Maya'", "last_used_at": None, "revoked_at": None},
        {"id": 1, "name": "Front tablet", "token_hash": sha(201), "enrolled_at": at(TODAY, 6)}
        | {"unlocked_at": None},
    ),
    "staff_session": _rows(
        {"staff_id": 2, "device_id": 1, "address": "192.168.1.20", "ended_why": None},
        {"id": 1, "token_hash": sha(301), "started_at": at(TODAY, 7), "last_seen_at": at(TODAY, 7)}
        | {"ended_at": None},
    ),
    # Added by 0011, like the two above.
    "webhook_endpoint": [
        {
            "id": 1,
            "url": "https://loyalty.example/hooks",
            "events": ["comp.created", "comp.voided"],
            "secret": "whsec_" + "A" * 44,
            "created_at": at(TODAY, 6, 30),
            "created_by": "pos-plugin CLI",
        }
    ],
    "webhook_delivery": _rows(
        {
            "endpoint_id": 1,
            "event_type": "comp.created",
            "body": "{}",
            "created_at": at(TODAY, 7, 20),
            "next_attempt_at": at(TODAY, 7, 20),
        },
        {"id": 1, "event_id": comp_id(901), "state": "delivered", "attempts": 2}
        | {"last_attempt_at": at(TODAY, 7, 21), "last_status": 200, "last_response": "ok"}
        | {"delivered_at": at(TODAY, 7, 21)},
        {"id": 2, "event_id": comp_id(902), "state": "pending", "attempts": 0}
        | {"last_attempt_at": None, "last_status": None, "last_response": None}
        | {"delivered_at": None},
    ),
}

# Parents first: the store's own engine enforces foreign keys while the history is written.
ORDER = [
    "store",
    "staff",
    "api_token",
    "catalog_item",
    "shift_template",
    "shift",
    "breakdown",
    "comp",
    "idempotency_key",
    "audit_event",
    "print_job",
    "sync_batch",
    "sign_in_attempt",
    "device",
    "staff_session",
    "webhook_endpoint",
    "webhook_delivery",
]

# What later revisions added: the tables, and the columns with the value each gave the
# rows already there (KEPT: filled from the other rows, as 0005's tallies from the comps).
KEPT = object()
TABLES_ADDED = {
    "print_job": 4,
    "sync_batch": 6,
    "sign_in_attempt": 7,
    "device": 9,
    "staff_session": 9,
    "webhook_endpoint": 11,
    "webhook_delivery": 11,
}
COLUMNS_ADDED: dict[tuple[str, str], tuple[int, Any]] = {
    ("store", "prints_notes"): (4, False),
    ("catalog_item", "prints_note"): (4, True),
    ("shift", "used_amount"): (5, KEPT),
    ("shift", "comps_count"): (5, KEPT),
    ("staff", "password_hash"): (7, None),
    ("api_token", "last_used_at"): (7, None),
    ("catalog_item", "suggested_notes"): (7, []),
    ("shift", "override_reason"): (7, None),
    ("comp", "approved_by_id"): (7, None),
    ("comp", "starred_at"): (7, None),
    ("comp", "starred_by"): (7, None),
    ("staff", "unlocked_at"): (9, None),
    ("print_job", "sent_at"): (10, KEPT),
    ("shift", "closed_at"): (11, None),
}


def tables_at(revision: int) -> list[str]:
    return [name for name in ORDER if TABLES_ADDED.get(name, 1) <= revision]


def rows_at(table: str, revision: int) -> list[Row]:
    """The table's rows as a database at `revision` held them."""
    rows = []
    for row in HISTORY[table]:
        kept = {c: v for c, v in row.items() if COLUMNS_ADDED.get((table, c), (1,))[0] <= revision}
        if table == "comp" and row["id"] == DIRTY_COMP and revision < 3:
            kept["note"] = DIRTY_NOTE
        rows.append(kept)
    return rows


def expected(revision: int) -> dict[str, list[Row]]:
    """The history as it must read after upgrading a database at `revision` to the head."""
    found = {}
    for table in tables_at(revision):
        rows = []
        for row in HISTORY[table]:
            row = dict(row)
            for column in row:
                added, given = COLUMNS_ADDED.get((table, column), (1, KEPT))
                if added > revision and given is not KEPT:
                    row[column] = given
            rows.append(row)
        found[table] = rows
    return found


def table(name: str) -> sa.TableClause:
    """The table as the upgrade tests write and read it: its columns typed as the migration
    files type them (told from the values), so each database stores them its own way."""
    columns: dict[str, sa.types.TypeEngine[Any] | None] = {}
    for row in HISTORY[name]:
        for column, value in row.items():
            if columns.get(column) is None:
                columns[column] = _type_of(value)
    return sa.table(name, *(sa.column(column, type_) for column, type_ in columns.items()))


def _type_of(value: Any) -> sa.types.TypeEngine[Any] | None:
    if isinstance(value, bool):
        return sa.Boolean()
    if isinstance(value, uuid.UUID):
        return sa.Uuid()
    if isinstance(value, datetime):
        return sa.DateTime(timezone=True)
    if isinstance(value, date):
        return sa.Date()
    if isinstance(value, time):
        return sa.Time()
    if isinstance(value, list | dict):
        return sa.JSON()
    return None


def write(connection: sa.Connection, revision: int) -> None:
    """Write the history into a database at `revision`, in its own schema."""
    for name in tables_at(revision):
        connection.execute(sa.insert(table(name)), rows_at(name, revision))
    if connection.dialect.name == "postgresql":
        # The ids were given, as the old version's own inserts would have taken them:
        # move each table's sequence past them, so the upgraded store adds rows after.
        for name in tables_at(revision):
            if name != "store" and name != "comp":
                connection.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), max(id)) "
                        f"FROM {name}"
                    )
                )


def read(connection: sa.Connection, name: str) -> list[Row]:
    """The table's rows, ordered by id, with every time in naive UTC to compare."""
    found = table(name)
    rows = connection.execute(sa.select(found).order_by(found.c.id)).mappings()
    return [{column: plain(value) for column, value in row.items()} for row in rows]


def plain(value: Any) -> Any:
    """SQLite gives times back naive, PostgreSQL aware: both as naive UTC."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def plain_rows(rows: list[Row]) -> list[Row]:
    return [{column: plain(value) for column, value in row.items()} for row in rows]
