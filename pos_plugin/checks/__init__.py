"""The store's health checks, one set for `pos-plugin doctor`, the console and /readyz.

Each check is a function of (settings, now) that returns a `Check` and never
raises (`result.check`). The lists below say which checks each door runs, in
the order they are shown: adding a check is adding its line.
"""

from __future__ import annotations

from pos_plugin.checks import backup, clock, config, database, disk, files, printer, sync
from pos_plugin.checks.result import Check, CheckFn, Status, run

__all__ = ["CONSOLE", "DOCTOR", "READY", "Check", "CheckFn", "Status", "run"]

# Everything after the database, for `doctor` and the console's Health page alike.
_AFTER_DATABASE: tuple[CheckFn, ...] = (
    printer.reachable,
    printer.queue,
    clock.clock,
    disk.free_space,
    files.private,
    sync.destination,
    sync.last_day,
    sync.refused,
    backup.newest,
)
DOCTOR: tuple[CheckFn, ...] = (config.loaded, database.thorough, *_AFTER_DATABASE)
# The page opens at a manager's click: SQLite's lighter quick_check, not a read of every page.
CONSOLE: tuple[CheckFn, ...] = (config.loaded, database.quick, *_AFTER_DATABASE)
# Polled by a monitor: nothing that reads the whole database or waits on a device.
READY: tuple[CheckFn, ...] = (database.reachable, printer.last_known, sync.last_day)
