"""The store's health page data: the printer and the sync, for managers only."""

from __future__ import annotations

import pytest

from pos_plugin.services.errors import PermissionDenied
from pos_plugin.services.health import store_health


def test_only_a_manager_sees_the_stores_health(app_ctx, manager, barista, do, settings, clock):
    health = do(store_health, manager, settings, clock.now)
    assert (health.printer.kind, health.batches) == ("none", [])
    assert [c.name for c in health.checks][:3] == ["config", "database", "printer"]
    with pytest.raises(PermissionDenied):
        do(store_health, barista, settings, clock.now)
