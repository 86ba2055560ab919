"""Marshmallow schemas: they validate requests and generate the OpenAPI document."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, fields, post_load, validate

from pos_plugin.models import BreakdownStatus, PrintJobStatus
from pos_plugin.models.comps import CUSTOMER_NAME_MAX, NOTE_MAX, ORDER_REF_MAX
from pos_plugin.money import Money
from pos_plugin.services.comps import MAX_PAGE
from pos_plugin.services.shifts import REASON_MAX as OVERRIDE_REASON_MAX
from pos_plugin.text import TEXT_RULES, Text

# Ids and amounts are 32-bit columns: a bigger number is bad input, not a database error.
INT32_MAX = 2**31 - 1


def _id(**kwargs: Any) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=INT32_MAX), **kwargs)


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class MoneySchema(StrictSchema):
    amount = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=0, max=INT32_MAX),
        metadata={"description": "minor units"},
    )
    currency = fields.String(
        required=True,
        validate=validate.Regexp(r"^[A-Z]{3}$", error="Use an ISO 4217 code like EUR."),
    )

    @post_load
    def _money(self, data: dict[str, Any], **_: Any) -> Money:
        return Money(data["amount"], data["currency"])


def _text(max_length: int, description: str, *, multiline: bool = False) -> Text:
    return Text(
        max_length=max_length,
        multiline=multiline,
        load_default=None,
        allow_none=True,
        metadata={"description": f"{description}; {TEXT_RULES}"},
    )


class CompCreateSchema(StrictSchema):
    item_id = _id(required=True)
    note = _text(NOTE_MAX, "customer-facing note printed on the receipt", multiline=True)
    customer_name = _text(CUSTOMER_NAME_MAX, "who it is for, to personalise the note")
    reason = _text(NOTE_MAX, "internal reason, kept for the report", multiline=True)
    order_ref = _text(ORDER_REF_MAX, "the till's order reference")
    breakdown_id = _id(load_default=None, allow_none=True)
    staff_id = _id(load_default=None, allow_none=True)
    over_allowance = fields.Boolean(
        load_default=False,
        metadata={
            "description": "manager only: give this one comp past the shift's caps "
            "(allowance, counts, per-item limit); the comp records the manager as approver. "
            "403 for any other role"
        },
    )


class IdempotencyHeaderSchema(Schema):
    # Headers carry much else, so unknown ones are ignored, not refused.
    class Meta:
        unknown = "exclude"

    idempotency_key = Text(
        max_length=255,
        data_key="Idempotency-Key",
        load_default=None,
        validate=validate.Regexp(
            r"^[\x21-\x7e]{1,255}$", error="Use 1-255 visible ASCII characters, e.g. a UUID."
        ),
        metadata={
            "description": "required for till tokens; a retry with the same key and "
            "body returns the first comp"
        },
    )


class VoidSchema(StrictSchema):
    reason = Text(
        required=True,
        min_length=1,
        max_length=NOTE_MAX,
        multiline=True,
        metadata={"description": f"why the comp is undone; {TEXT_RULES}"},
    )


class CompListQuerySchema(StrictSchema):
    business_date = fields.Date(load_default=None)
    shift_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=INT32_MAX))
    limit = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=MAX_PAGE),
        metadata={
            "description": "at most this many comps, newest first; when more follow, the "
            'response has a `Link: <...>; rel="next"` header. Without it: the whole day.'
        },
    )
    cursor = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "where a page starts: take it from the Link header"},
    )


class ShiftOverrideSchema(StrictSchema):
    allowance = fields.Nested(MoneySchema, required=True)
    max_comps = fields.Integer(
        strict=True, required=True, allow_none=True, validate=validate.Range(min=1, max=INT32_MAX)
    )
    reason = _text(OVERRIDE_REASON_MAX, "why the allowance changes, kept in the override history")


class CatalogItemSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    value = fields.Nested(MoneySchema)
    icon = fields.String()
    active = fields.Boolean()
    per_shift_limit = fields.Integer(allow_none=True)
    suggested_notes = fields.List(
        fields.String(), metadata={"description": "friendly notes offered with one tap"}
    )


class ShiftSchema(Schema):
    """Dumped from a `ShiftTally`: the shift plus what is used and left."""

    id = fields.Integer(attribute="shift.id")
    name = fields.String(attribute="shift.name")
    business_date = fields.Date(attribute="shift.business_date")
    starts_at = fields.AwareDateTime(attribute="shift.starts_at")
    ends_at = fields.AwareDateTime(attribute="shift.ends_at")
    allowance = fields.Nested(MoneySchema, attribute="shift.allowance")
    max_comps = fields.Integer(attribute="shift.max_comps", allow_none=True)
    max_comps_per_staff = fields.Integer(attribute="shift.max_comps_per_staff", allow_none=True)
    used = fields.Nested(MoneySchema)
    comps_count = fields.Integer()
    remaining = fields.Nested(MoneySchema)
    remaining_comps = fields.Integer(allow_none=True)
    overridden_by = fields.String(attribute="shift.overridden_by", allow_none=True)
    override_reason = fields.String(attribute="shift.override_reason", allow_none=True)
    own_comps_count = fields.Integer(
        allow_none=True,
        metadata={
            "description": "the calling staff member's active comps this shift, where a "
            "per-barista cap (max_comps_per_staff) applies; else null"
        },
    )
    own_remaining_comps = fields.Integer(
        allow_none=True, metadata={"description": "what is left of that cap; else null"}
    )
    items_remaining = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={
            "description": "what is left of each catalog item's per-shift limit, by item id; "
            "items with no limit are not listed"
        },
    )


class CompSchema(Schema):
    id = fields.UUID()
    item_id = fields.Integer()
    item_name = fields.String(attribute="item.name")
    value = fields.Nested(MoneySchema)
    shift_id = fields.Integer()
    business_date = fields.Date()
    staff_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()
    note = fields.String(allow_none=True)
    customer_name = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    order_ref = fields.String(allow_none=True)
    breakdown_id = fields.Integer(allow_none=True)
    approved_by_id = fields.Integer(
        allow_none=True,
        metadata={"description": "the manager who let this comp go over the allowance"},
    )
    status = fields.String()
    voided_at = fields.AwareDateTime(allow_none=True)
    void_reason = fields.String(allow_none=True)


class PrintJobListQuerySchema(StrictSchema):
    status = fields.Enum(PrintJobStatus, by_value=True, load_default=None)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=INT32_MAX))


class PrintJobSchema(Schema):
    id = fields.Integer()
    comp_id = fields.UUID()
    status = fields.Enum(
        PrintJobStatus,
        by_value=True,
        metadata={
            "description": "queued, sending, printed, unconfirmed (went out whole, the printer "
            "did not confirm it or said its paper ran out: reprint by hand if it is not on "
            "paper), expired or cancelled"
        },
    )
    queued_at = fields.AwareDateTime()
    attempts = fields.Integer()
    next_attempt_at = fields.AwareDateTime()
    last_error = fields.String(allow_none=True)
    printed_at = fields.AwareDateTime(allow_none=True)
    sent_at = fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "when some or all of it last went to the printer"},
    )


class PrinterStatusSchema(Schema):
    kind = fields.String(metadata={"description": "[printer] kind"})
    state = fields.String(
        metadata={
            "description": "none, not_running, idle, online, offline, paper_out or unconfirmed"
        }
    )
    detail = fields.String(metadata={"description": "what went wrong, in words"})
    waiting = fields.Integer(metadata={"description": "notes queued and not printed yet"})
    unconfirmed = fields.Integer(
        metadata={"description": "notes that went out but the printer did not confirm"}
    )
    last_printed_at = fields.AwareDateTime(allow_none=True)
    checked_at = fields.AwareDateTime(allow_none=True)


class ReceiptQuerySchema(StrictSchema):
    format = fields.String(load_default="text", validate=validate.OneOf(["text", "escpos", "png"]))


class BreakdownListQuerySchema(StrictSchema):
    status = fields.Enum(
        BreakdownStatus,
        by_value=True,
        load_default=BreakdownStatus.APPROVED,
        metadata={"description": "approved (default); other statuses for managers only"},
    )


class BreakdownProposeSchema(StrictSchema):
    title = Text(
        required=True,
        min_length=1,
        max_length=120,
        metadata={"description": f"what went wrong, e.g. 'Out of oat milk'; {TEXT_RULES}"},
    )
    recovery = Text(
        load_default="",
        max_length=1000,
        multiline=True,
        metadata={"description": f"how staff make up for it; {TEXT_RULES}"},
    )
    suggested_item_id = _id(load_default=None, allow_none=True)


class BreakdownSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    recovery = fields.String()
    suggested_item_id = fields.Integer(allow_none=True)
    status = fields.Enum(BreakdownStatus, by_value=True)
    proposed_by_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()
