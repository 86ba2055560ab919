"""`pos-plugin backup` on a store with 100,000 comps, beside a plain copy of the same file.

The demo cafe (`pos-plugin init --demo`) is grown to N comps by copying its own comp
rows and their audit rows with new ids, in SQL, as years of taps would have left
them. Then, alternated, best of 3: `pos-plugin backup` (start-up, the online backup,
the integrity check, the fsync); the same work bare, in this process (SQLite's
backup API, then `PRAGMA integrity_check` on the copy), the baseline; and `cp` of
the checkpointed file, what an unchecked and unsafe copy costs on this disk now.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from store import cli

GROW = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :copies)
INSERT INTO comp SELECT lower(hex(randomblob(16))), item_id, value_amount, currency, staff_id,
  shift_id, business_date, created_at, created_by, created_by_token_id, note, reason,
  customer_name, order_ref, breakdown_id, status, voided_at, voided_by, void_reason,
  approved_by_id, starred_at, starred_by
FROM comp, n
"""
AUDIT = """
INSERT INTO audit_event (at, actor, action, entity, entity_id, data)
SELECT created_at, created_by, 'comp.created', 'comp', id, '{}' FROM comp
"""


def grow(database: Path, comps: int) -> int:
    with sqlite3.connect(database) as connection:
        have = connection.execute("SELECT count(*) FROM comp").fetchone()[0]
        connection.execute(GROW, {"copies": max(1, comps // have - 1)})
        connection.execute(AUDIT)
        connection.commit()
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        count: int = connection.execute("SELECT count(*) FROM comp").fetchone()[0]
    return count


def bare(database: Path, to: Path) -> None:
    with sqlite3.connect(database) as live, sqlite3.connect(to) as copy:
        live.backup(copy)
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    live.close()
    copy.close()


def timed(run: object, *args: object) -> float:
    started = time.perf_counter()
    run(*args)  # type: ignore[operator]
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comps", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        env = {"POS_PLUGIN_HOME": str(home)}
        cli(env, "init", "--demo")
        database = home / "pos-plugin.db"
        comps = grow(database, args.comps)
        backup, baseline, copy = [], [], []
        for n in range(args.rounds):
            backup.append(timed(cli, env, "backup", "--to", str(home / f"round-{n}")))
            baseline.append(timed(bare, database, Path(tmp) / f"bare-{n}.db"))
            copy.append(timed(shutil.copyfile, database, Path(tmp) / f"copy-{n}.db"))
        (taken,) = (home / "round-0").iterdir()
        size, live = taken.stat().st_size, database.stat().st_size
    print(f"comps: {comps:,}   database: {live / 1e6:.1f} MB   backup: {size / 1e6:.1f} MB")
    print(f"best of {args.rounds}, alternated:")
    print(f"  pos-plugin backup          {min(backup):6.2f} s  (start-up included)")
    print(f"  backup API + integrity     {min(baseline):6.2f} s  (baseline)")
    print(f"  cp of the file             {min(copy):6.2f} s  (unchecked, unsafe live)")
    print(f"ratio pos-plugin backup / baseline: {min(backup) / min(baseline):.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
