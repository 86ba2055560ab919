"""The file set's contract: CSV columns, the manifest, its signed envelope and totals.

Both sides use this module: the store to write a set, head office to check one.
`docs/sync-format.md` describes the same for people.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from pos_plugin.sync import signing

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

FORMAT = "on-the-house-sync"
# Version 2 added who approved a comp over the allowance and the starred stories.
FORMAT_VERSION = 2
MANIFEST_MAX_BYTES = 64 * 1024

COMPS_COLUMNS = (
    "comp_id",
    "business_date",
    "status",
    "created_at",
    "item_id",
    "item_name",
    "value_amount",
    "currency",
    "staff_id",
    "staff_name",
    "approved_by_id",
    "approved_by_name",
    "shift_id",
    "created_by",
    "order_ref",
    "breakdown_id",
    "breakdown_title",
    "reason",
    "note",
    "voided_at",
    "voided_by",
    "void_reason",
)
SHIFTS_COLUMNS = (
    "shift_id",
    "business_date",
    "name",
    "template_id",
    "starts_at",
    "ends_at",
    "allowance_amount",
    "currency",
    "max_comps",
    "max_comps_per_staff",
    "used_amount",
    "comps_count",
    "overridden_at",
    "overridden_by",
)
STORIES_COLUMNS = (
    "comp_id",
    "starred_at",
    "starred_by",
    "staff_id",
    "staff_name",
    "item_name",
    "customer_name",
    "note",
)
COLUMNS = {"comps": COMPS_COLUMNS, "shifts": SHIFTS_COLUMNS, "stories": STORIES_COLUMNS}
# What stores not yet upgraded still send: head office reads version 1 as well, so a chain
# can upgrade head office first and its stores over weeks. Version 1 had no approver
# columns and its stories file held only a header.
APPROVER_COLUMNS = ("approved_by_id", "approved_by_name")
COLUMNS_V1 = {
    "comps": tuple(c for c in COMPS_COLUMNS if c not in APPROVER_COLUMNS),
    "shifts": SHIFTS_COLUMNS,
    "stories": ("comp_id", "starred_at", "starred_by", "staff_name", "item_name", "story"),
}
COLUMNS_BY_VERSION = {1: COLUMNS_V1, FORMAT_VERSION: COLUMNS}


def canonical(manifest: Mapping[str, Any]) -> bytes:
    """The bytes that are signed: sorted keys, no spaces, ASCII only."""
    return json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def envelope(manifest: Mapping[str, Any], key: Ed25519PrivateKey) -> bytes:
    """The manifest file: the manifest and its signature, readable by a person."""
    signed = {"manifest": manifest, "signature": signing.sign(key, canonical(manifest))}
    return (json.dumps(signed, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def signature_holds(signed: Mapping[str, Any], public: Ed25519PublicKey) -> bool:
    signature = signed.get("signature")
    manifest = signed.get("manifest")
    if not isinstance(signature, str) or not isinstance(manifest, dict):
        return False
    return signing.verify(public, canonical(manifest), signature)


class TotalsBuilder:
    """Totals per currency: active and voided comps, counted and summed (minor units)."""

    def __init__(self) -> None:
        self.totals: dict[str, dict[str, int]] = {}

    def add(self, currency: str, amount: int, voided: bool) -> None:
        entry = self.totals.get(currency)  # once a row at head office: no new dict each time
        if entry is None:
            entry = self.totals[currency] = {
                "comps": 0,
                "value": 0,
                "voided_comps": 0,
                "voided_value": 0,
            }
        if voided:
            entry["voided_comps"] += 1
            entry["voided_value"] += amount
        else:
            entry["comps"] += 1
            entry["value"] += amount

    @classmethod
    def of(cls, rows: Iterable[tuple[str, int, bool]]) -> dict[str, dict[str, int]]:
        builder = cls()
        for currency, amount, voided in rows:
            builder.add(currency, amount, voided)
        return builder.totals
