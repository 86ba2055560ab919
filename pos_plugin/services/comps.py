"""Giving a comp (the tap), undoing it (the void) and listing them.

The allowance rule lives here and only here: a tap holds its shift's lock
while it checks the caps and records the comp, so concurrent taps from
several tablets can never take a shift past its value or count cap.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, or_, select

from pos_plugin.database import db
from pos_plugin.models import (
    Breakdown,
    BreakdownStatus,
    CatalogItem,
    Comp,
    CompStatus,
    IdempotencyKey,
    Role,
    Shift,
    Staff,
    Store,
)
from pos_plugin.models.comps import NOTE_MAX
from pos_plugin.printing import queue as print_queue
from pos_plugin.services import audit, events, limits, shifts
from pos_plugin.services.actors import Actor, Permission
from pos_plugin.services.business_day import business_date_of
from pos_plugin.services.errors import (
    AllowanceExceeded,
    AlreadyVoided,
    IdempotencyKeyRequired,
    IdempotencyKeyReused,
    InvalidInput,
    NotFound,
    PermissionDenied,
    UndoWindowClosed,
)
from pos_plugin.services.limits import Limit
from pos_plugin.services.text_input import required_text

UNDO_WINDOW = timedelta(minutes=2)
IDEMPOTENCY_KEY_TTL = timedelta(hours=24)


@dataclass(frozen=True)
class CompRequest:
    item_id: int
    note: str | None = None
    customer_name: str | None = None
    reason: str | None = None
    order_ref: str | None = None
    breakdown_id: int | None = None
    staff_id: int | None = None

    def fingerprint(self) -> str:
        fields = dataclasses.asdict(self)
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class TapResult:
    comp: Comp
    created: bool


def record_comp(
    actor: Actor,
    store: Store,
    request: CompRequest,
    now: datetime,
    idempotency_key: str | None = None,
    approver: Actor | None = None,
) -> TapResult:
    """Give one comp inside the running shift's allowance, or refuse and record nothing.

    Runs inside `write_transaction()`. An `approver` who may manage the store lets
    this one comp past the caps (the allowance's value and count, the barista's and
    the item's): the comp records them beside the staff member who asked for it.
    """
    actor.require(Permission.TAP)
    if approver is not None:
        approver.require(Permission.MANAGE)
    if idempotency_key is None and actor.role is Role.TILL:
        raise IdempotencyKeyRequired(
            _l(
                "A till must send an Idempotency-Key header with every tap, so a retry "
                "after a dropped connection cannot give the comp twice."
            ),
            field="Idempotency-Key",
        )
    # Everything after this runs one tap at a time per shift: the key lookup too, so
    # the same key sent twice at once gives one comp.
    shift = shifts.open_current_shift(store, now)
    if idempotency_key is not None:
        replay = _replay(actor, idempotency_key, request, now)
        if replay is not None:
            return TapResult(comp=replay, created=False)
    item = _active_item(request.item_id)
    staff_id = _giving_staff(actor, request.staff_id)
    if request.breakdown_id is not None:
        _approved_breakdown(request.breakdown_id)
    left_before = shifts.tally(shift).remaining
    if approver is None:
        _check_allowance(store, shift, item, staff_id)
    comp = Comp(
        id=uuid.uuid4(),
        item=item,
        value_amount=item.value_amount,
        currency=item.currency,
        staff_id=staff_id,
        shift_id=shift.id,
        business_date=shift.business_date,
        created_at=now,
        created_by=actor.label,
        created_by_token_id=actor.token_id,
        note=request.note,
        reason=request.reason,
        customer_name=request.customer_name,
        order_ref=request.order_ref,
        breakdown_id=request.breakdown_id,
        status=CompStatus.ACTIVE,
        approved_by_id=approver.staff_id if approver is not None else None,
    )
    db.session.add(comp)
    shifts.record_use(shift, item.value)
    print_queue.enqueue(store, item, comp, now)
    if idempotency_key is not None:
        db.session.add(
            IdempotencyKey(
                scope=actor.idempotency_scope,
                key=idempotency_key,
                request_hash=request.fingerprint(),
                comp=comp,
                created_at=now,
            )
        )
    audit.record(
        actor,
        "comp.created",
        "comp",
        comp.id,
        now,
        item_id=item.id,
        value=item.value_amount,
        shift_id=shift.id,
        staff_id=staff_id,
    )
    if approver is not None:
        audit.record(
            approver,
            "comp.approved_over_allowance",
            "comp",
            comp.id,
            now,
            requested_by=actor.label,
            staff_id=staff_id,
            value=item.value_amount,
            remaining_before=left_before.amount,
        )
    events.announce(events.COMP_CREATED, comp, now)
    db.session.flush()
    return TapResult(comp=comp, created=True)


def void_comp(actor: Actor, comp_id: uuid.UUID, reason: str, now: datetime) -> Comp:
    """Undo a comp and give its value back to the shift's allowance."""
    comp = db.session.scalars(
        select(Comp)
        .where(Comp.id == comp_id)
        .with_for_update(of=Comp)
        .execution_options(populate_existing=True)
    ).first()
    if comp is None:
        raise NotFound(_l("No comp with id %(id)s.", id=comp_id))
    _check_may_void(actor, comp, now)
    reason = required_text(
        reason,
        field="reason",
        max_length=NOTE_MAX,
        empty=_l("Say why the comp is being voided."),
        multiline=True,
    )
    if comp.status is CompStatus.VOIDED:
        raise AlreadyVoided(_l("This comp was already voided by %(who)s.", who=comp.voided_by))
    comp.status = CompStatus.VOIDED
    comp.voided_at = now
    comp.voided_by = actor.label
    comp.void_reason = reason
    shifts.record_return(comp.shift_id, comp.value)
    print_queue.cancel_for_comp(comp)
    audit.record(actor, "comp.voided", "comp", comp.id, now, reason=comp.void_reason)
    events.announce(events.COMP_VOIDED, comp, now)
    db.session.flush()
    return comp


def list_comps(
    actor: Actor,
    store: Store,
    now: datetime,
    business_date: date | None = None,
    shift_id: int | None = None,
) -> list[Comp]:
    """Comps newest first; with no filter, those of the current business date."""
    return comps_page(actor, store, now, business_date=business_date, shift_id=shift_id).comps


@dataclass(frozen=True)
class CompsPage:
    comps: list[Comp]
    # Where the next page starts (opaque to clients), or None on the last page.
    next_cursor: str | None


def comps_page(
    actor: Actor,
    store: Store,
    now: datetime,
    *,
    business_date: date | None = None,
    shift_id: int | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> CompsPage:
    """A page of the day's (or shift's) comps, newest first, continuing after `cursor`.

    The cursor names the last comp of the previous page (its time and id), so a
    comp tapped while a client pages through never shifts or repeats a row.
    """
    actor.require(Permission.READ_COMPS)
    query = select(Comp).order_by(Comp.created_at.desc(), Comp.id.desc())
    if shift_id is not None:
        query = query.where(Comp.shift_id == shift_id)
    if business_date is not None or shift_id is None:
        day = business_date or business_date_of(now, store.zone, store.business_day_starts)
        query = query.where(Comp.business_date == day)
    if cursor is not None:
        at, last_id = _read_cursor(cursor)
        query = query.where(
            or_(Comp.created_at < at, and_(Comp.created_at == at, Comp.id < last_id))
        )
    if limit is None:
        return CompsPage(list(db.session.scalars(query)), None)
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(_l("Ask for 1 to %(max)s comps at a time.", max=MAX_PAGE), field="limit")
    found = list(db.session.scalars(query.limit(limit + 1)))
    if len(found) <= limit:
        return CompsPage(found, None)
    last = found[limit - 1]
    return CompsPage(found[:limit], _make_cursor(last))


MAX_PAGE = 500


def _make_cursor(comp: Comp) -> str:
    raw = f"{comp.created_at.isoformat()}|{comp.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _read_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at_text, _, id_text = raw.partition("|")
        at = datetime.fromisoformat(at_text)
        if at.tzinfo is None:
            raise ValueError("naive")
        return at, uuid.UUID(id_text)
    except ValueError:
        raise InvalidInput(
            _l("This cursor is not one the API gave out; follow the Link header."), field="cursor"
        ) from None


def get_comp(actor: Actor, comp_id: uuid.UUID) -> Comp:
    actor.require(Permission.READ_COMPS)
    comp = db.session.get(Comp, comp_id)
    if comp is None:
        raise NotFound(_l("No comp with id %(id)s.", id=comp_id))
    return comp


def _replay(actor: Actor, key: str, request: CompRequest, now: datetime) -> Comp | None:
    """The comp an earlier tap with this key gave, if any."""
    found = db.session.scalars(
        select(IdempotencyKey).where(
            IdempotencyKey.scope == actor.idempotency_scope, IdempotencyKey.key == key
        )
    ).first()
    if found is None:
        return None
    if found.created_at < now - IDEMPOTENCY_KEY_TTL:
        # Expired: the key may be used afresh.
        db.session.delete(found)
        db.session.flush()
        return None
    if found.request_hash != request.fingerprint():
        raise IdempotencyKeyReused(
            _l(
                "This Idempotency-Key was already used for a different comp; "
                "send a new key for a new comp."
            ),
            field="Idempotency-Key",
        )
    return found.comp


def _active_item(item_id: int) -> CatalogItem:
    item = db.session.get(CatalogItem, item_id)
    if item is None:
        raise InvalidInput(_l("There is no catalog item %(id)s.", id=item_id), field="item_id")
    if not item.active:
        raise InvalidInput(
            limits.detail(Limit.ITEM_RETIRED, item=item.name),
            field="item_id",
            limit=Limit.ITEM_RETIRED.value,
        )
    return item


def _giving_staff(actor: Actor, staff_id: int | None) -> int | None:
    """Who gave the comp: the named staff member, else the person behind the token."""
    if staff_id is None:
        return actor.staff_id
    if actor.role is Role.BARISTA and actor.staff_id not in (None, staff_id):
        raise PermissionDenied(
            _l("A barista gives comps in their own name only."), field="staff_id"
        )
    staff = db.session.get(Staff, staff_id)
    if staff is None or not staff.active:
        raise InvalidInput(
            _l("There is no active staff member %(id)s.", id=staff_id), field="staff_id"
        )
    return staff.id


def _approved_breakdown(breakdown_id: int) -> None:
    breakdown = db.session.get(Breakdown, breakdown_id)
    if breakdown is None or breakdown.status is not BreakdownStatus.APPROVED:
        raise InvalidInput(
            _l("There is no approved playbook breakdown %(id)s.", id=breakdown_id),
            field="breakdown_id",
        )


def _check_allowance(store: Store, shift: Shift, item: CatalogItem, staff_id: int | None) -> None:
    """Refuse, naming the limit that blocks (`limits.blocking`) and what is left of each.

    The barista's and the item's counts are asked only where such a cap applies,
    and the cap bounds the rows counted.
    """
    cap = shift.max_comps_per_staff
    own: int | None = None
    if staff_id is not None and cap is not None:
        own = shifts.active_count(shift, Comp.staff_id == staff_id)
    given: dict[int, int] = {}
    if item.per_shift_limit is not None:
        given[item.id] = shifts.active_count(shift, Comp.item_id == item.id)
    tally = dataclasses.replace(shifts.tally(shift), own_comps_count=own, item_given=given)
    standing = tally.standing(item)
    limit = limits.blocking(item.value, standing)
    if limit is None:
        return
    words = {
        "item": item.name,
        "value": item.value.format(store.locale),
        "left": standing.remaining.format(store.locale),
        "shift": shifts.shown_name(shift.name),
        "max_comps": shift.max_comps,
        "max_comps_per_staff": cap,
        "per_shift_limit": item.per_shift_limit,
    }
    raise AllowanceExceeded(
        limits.detail(limit, **words),
        limit=limit.value,
        shift_id=shift.id,
        max_comps=shift.max_comps,
        max_comps_per_staff=cap,
        per_shift_limit=item.per_shift_limit,
        **standing.facts(),
    )


def _check_may_void(actor: Actor, comp: Comp, now: datetime) -> None:
    if actor.can(Permission.MANAGE):
        return
    actor.require(Permission.VOID_OWN_RECENT)
    own = (actor.token_id is not None and comp.created_by_token_id == actor.token_id) or (
        actor.staff_id is not None and comp.staff_id == actor.staff_id
    )
    if not own:
        raise PermissionDenied(_l("A barista may undo only their own comps; ask a manager."))
    if now - comp.created_at > UNDO_WINDOW:
        minutes = int(UNDO_WINDOW.total_seconds() // 60)
        raise UndoWindowClosed(
            _l(
                "The %(minutes)s-minute undo window has passed; ask a manager to void it.",
                minutes=minutes,
            )
        )


def purge_expired_keys(now: datetime) -> int:
    """Forget Idempotency-Keys past their 24 hours: they may be used afresh anyway."""
    expired = delete(IdempotencyKey).where(IdempotencyKey.created_at < now - IDEMPOTENCY_KEY_TTL)
    return int(db.session.execute(expired).rowcount or 0)  # type: ignore[attr-defined]
