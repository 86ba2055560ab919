"""The demo store: a believable cafe with staff, catalog, schedule, playbook and history.

Everything is created through the same services the API uses, and the two
weeks of past comps are tapped at their past times, so the allowance and the
business-date rules shape the history exactly as they would have live.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select

from pos_plugin.database import db
from pos_plugin.models import Breakdown, CatalogItem, Role, Staff, Store
from pos_plugin.money import Money
from pos_plugin.services import catalog, comps, delight, playbook, schedule, signin, staff
from pos_plugin.services.actors import Actor
from pos_plugin.services.errors import AllowanceExceeded

DEMO_CONFIG = """\
# Written by `pos-plugin init --demo`. Every key is described in config/pos-plugin.example.toml.
[store]
id = "cafe-001"
name = "The Copper Kettle"
currency = "GBP"
locale = "en_GB"
timezone = "Europe/London"
business_day_starts = "04:00"

[allowance]
amount = 1000
max_comps = 12
"""

DEMO_STAFF = [
    ("Ana", Role.BARISTA, "1111"),
    ("Ben", Role.BARISTA, "2222"),
    ("Chloe", Role.BARISTA, "3333"),
    ("Maya", Role.MANAGER, "9999"),
]
# The demo manager may also sign in to the console with a password.
DEMO_PASSWORDS = {"Maya": "copper-kettle"}

# name, value in pence, icon, per-shift limit
DEMO_CATALOG = [
    ("Extra cream on the side", 50, "🥛", None),
    ("Second loyalty stamp", 30, "⭐", None),
    ("Extra chocolate shake", 20, "🍫", None),
    ("Free cookie", 180, "🍪", 6),
    ("Size upgrade", 60, "⬆️", None),
    ("Birthday treat", 350, "🎂", 2),
    ("Table service", 0, "🍽️", None),
]

# The friendly notes a barista can add with one tap, per item.
DEMO_SUGGESTED_NOTES = {
    "Extra cream on the side": ["Just the way you like it.", "A little extra, on us."],
    "Second loyalty stamp": ["Thanks for being a regular!", "Halfway to a free one!"],
    "Extra chocolate shake": ["A little extra, on us."],
    "Free cookie": ["Sorry for the wait!", "Rainy day treat on us.", "Enjoy your day!"],
    "Size upgrade": ["Sorry about the oat milk!", "A bigger one, on us."],
    "Birthday treat": ["Happy birthday!", "Many happy returns!"],
    "Table service": ["Sit back, we'll bring it over."],
}

# name, start, end, allowance in pence, max comps, max per barista
WEEKDAY_SHIFTS = [
    ("Opening", time(6, 30), time(11, 0), 1000, 12, None),
    ("Midday", time(11, 0), time(15, 0), 1500, 20, 8),
    ("Closing", time(15, 0), time(19, 0), 800, 10, None),
]
SUNDAY_SHIFTS = [("Sunday", time(8, 0), time(16, 0), 1200, 15, None)]

# title, recovery, suggested item name
DEMO_PLAYBOOK = [
    ("Out of oat milk", "Apologise, offer another milk and upgrade the size.", "Size upgrade"),
    ("Order took over 10 minutes", "Bring it to the table with a cookie.", "Free cookie"),
    ("Wrong drink made", "Remake it first, then add a cookie while they wait.", "Free cookie"),
    (
        "Card reader down",
        "Take cash or a tab; stamp their card twice for the trouble.",
        "Second loyalty stamp",
    ),
]

NOTES = [
    (None, "Just this once, with a wink."),
    ("Priya", "Happy birthday, Priya!"),
    ("Tom", "Thanks for being a regular, Tom."),
    (None, "Rainy day treat on us."),
    ("Mrs Okafor", "For your patience today."),
    (None, None),
]


@dataclass(frozen=True)
class DemoReport:
    staff: list[tuple[str, str, str]]
    comps: int
    voided: int


def seed_if_empty(store: Store, admin: Actor, now: datetime, days: int = 14) -> DemoReport | None:
    """Fill a store that has no staff yet with the demo; None if it already has some.

    The caller owns the transaction.
    """
    if db.session.scalars(select(Staff.id).limit(1)).first() is not None:
        return None
    created_staff = [
        staff.add_staff(
            admin, name=name, role=role, pin=pin, password=DEMO_PASSWORDS.get(name), now=now
        )
        for name, role, pin in DEMO_STAFF
    ]
    items = {
        name: catalog.add_item(
            admin,
            store,
            name=name,
            value=Money(pence, store.currency),
            icon=icon,
            per_shift_limit=limit,
            suggested_notes=DEMO_SUGGESTED_NOTES.get(name, []),
            now=now,
        )
        for name, pence, icon, limit in DEMO_CATALOG
    }
    for weekday in range(7):
        plan = SUNDAY_SHIFTS if weekday == 6 else WEEKDAY_SHIFTS
        for name, starts, ends, pence, cap, per_staff in plan:
            schedule.add_template(
                admin,
                store,
                name=name,
                weekday=weekday,
                starts=starts,
                ends=ends,
                allowance=Money(pence, store.currency),
                max_comps=cap,
                max_comps_per_staff=per_staff,
                now=now,
            )
    baristas = [s for s in created_staff if s.role is Role.BARISTA]
    breakdowns = []
    for title, recovery, item_name in DEMO_PLAYBOOK:
        proposed = playbook.propose(
            admin,
            title=title,
            recovery=recovery,
            suggested_item_id=items[item_name].id,
            proposed_by_id=baristas[0].id,
            now=now,
        )
        breakdowns.append(playbook.approve(admin, proposed.id, now))
    playbook.propose(
        admin,
        title="Wi-Fi down",
        recovery="Offer the paper and a refill.",
        suggested_item_id=None,
        proposed_by_id=baristas[1].id,
        now=now,
    )
    manager = next(s for s in created_staff if s.role is Role.MANAGER)
    given, voided = _history(
        store, baristas, signin.actor_for(manager), list(items.values()), breakdowns, now, days
    )
    return DemoReport(
        staff=[(name, role.value, pin) for name, role, pin in DEMO_STAFF],
        comps=given,
        voided=voided,
    )


def _history(
    store: Store,
    baristas: list[Staff],
    manager: Actor,
    items: list[CatalogItem],
    breakdowns: list[Breakdown],
    now: datetime,
    days: int,
) -> tuple[int, int]:
    rng = random.Random(7)  # the same demo every time
    given = voided = approved = 0
    # From the store's midnight, not from this time of day `days` ago: the same seed then
    # gives the same days whenever the demo is made (from a time of day, the draws fell
    # elsewhere, and some afternoons the history had no approval at all).
    first_day = (now.astimezone(store.zone) - timedelta(days=days)).date()
    moment = datetime.combine(first_day, time(0), tzinfo=store.zone).astimezone(now.tzinfo)
    while moment < now:
        # Busy mornings and lunchtimes, a quiet night: skip ahead faster when closed.
        local_hour = moment.astimezone(store.zone).hour
        open_now = 7 <= local_hour < 19
        moment += timedelta(minutes=rng.randint(10, 45) if open_now else 90)
        if not open_now or moment >= now or rng.random() < 0.35:
            continue
        barista = rng.choice(baristas)
        actor = Actor(role=Role.BARISTA, label=barista.name, staff_id=barista.id)
        customer, note = rng.choice(NOTES)
        breakdown = rng.choice(breakdowns) if rng.random() < 0.12 else None
        request = comps.CompRequest(
            item_id=rng.choice(items).id,
            note=note,
            customer_name=customer,
            breakdown_id=breakdown.id if breakdown else None,
            reason="playbook" if breakdown else None,
        )
        try:
            comp = comps.record_comp(actor, store, request, moment).comp
        except AllowanceExceeded:
            # Now and then the manager lets one more go (always the first time, so the
            # console and the sync have an approval to show).
            if approved and rng.random() > 0.3:
                continue
            comp = comps.record_comp(actor, store, request, moment, approver=manager).comp
            approved += 1
        given += 1
        # The manager stars a story now and then, so the wall and head office have some.
        if comp.customer_name and rng.random() < 0.06:
            delight.star(manager, comp.id, min(moment + timedelta(hours=1), now))
        if rng.random() < 0.05:
            comps.void_comp(actor, comp.id, "Tapped the wrong item", moment + timedelta(seconds=20))
            voided += 1
    return given, voided
