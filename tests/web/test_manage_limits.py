"""The console's allowances and catalog forms: every limit shown, every error at once."""

from __future__ import annotations

import html as html_module
import re
from datetime import time

import pytest

from pos_plugin.database import write_transaction
from pos_plugin.models import Role
from pos_plugin.services import comps
from pos_plugin.services.actors import Actor
from pos_plugin.services.store import get_store

from .conftest import errors_beside

TUESDAY = 1


@pytest.fixture
def tap_as(app, clock):
    """One comp given by `actor`, as the tablet gives it."""

    def run(actor: Actor, item_id: int) -> None:
        with app.app_context(), write_transaction():
            comps.record_comp(actor, get_store(), comps.CompRequest(item_id=item_id), clock.now)

    return run


def limits_table(page: str) -> dict[str, str]:
    """The running shift's limits table: each row's limit kind, and its cells' text."""
    table = re.search(r'<table class="limits".*?</table>', page, re.S)
    assert table, "no limits table"
    rows = re.findall(r'<tr data-limit="([a-z_]+)"[^>]*>(.*?)</tr>', table.group(0), re.S)
    return {
        kind: " · ".join(
            html_module.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell))).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", cells, re.S)
        )
        for kind, cells in rows
    }


def test_the_override_form_shows_every_limit_and_which_still_block(
    maya, post, client, make_template, make_item, make_staff, tap_as
):
    make_template(TUESDAY, time(8), time(12), allowance=800, max_comps=3, max_comps_per_staff=2)
    birthday = make_item(value=350, name="Birthday treat", per_shift_limit=1)
    stamp = make_item(value=0)
    ana, ben = make_staff(Role.BARISTA, name="Ana"), make_staff(Role.BARISTA, name="Ben")
    for member, item in ((ana, birthday), (ana, stamp), (ben, stamp)):
        tap_as(Actor(role=Role.BARISTA, label=member.name, staff_id=member.id), item.id)

    page = client.get("/manage/allowances").get_data(as_text=True)
    assert "3 given so far: a cap of 3 or less stops every comp." in page
    rows = limits_table(page)
    assert "€4.50 left of €8.00" in rows["allowance"]
    assert "0 of 3 left · every comp" in rows["max_comps"]
    assert "every comp by Ana" in rows["max_comps_per_staff"]
    assert "Still blocks" in rows["max_comps_per_staff"]
    assert "1 of 1 given · this item · Still blocks" in rows["per_item"]

    answer = post("/manage/allowances/override", allowance="20.00", max_comps="3", reason="Rush")
    assert answer.status_code == 302
    flashed = client.get("/manage/allowances").get_data(as_text=True)
    still = html_module.unescape(re.search(r"Still blocking: (.*?)</p>", flashed).group(1))
    assert "the shift's count of comps" in still
    assert "each barista's own cap blocks Ana" in still


def test_the_catalog_form_shows_the_name_and_value_errors_together(maya, post):
    answer = post("/manage/catalog", name="n" * 81, value="99999999.99", icon="🍪")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert errors_beside(html, "name") == "Use at most 80 characters."
    assert errors_beside(html, "value") == "Use an amount between €0.00 and €9,999.99."


def test_the_shift_form_refuses_a_per_barista_cap_above_the_shifts(maya, post):
    answer = post(
        "/manage/allowances/templates",
        name="Closing",
        weekday=str(TUESDAY),
        starts="15:00",
        ends="18:00",
        allowance="8.00",
        max_comps="5",
        max_comps_per_staff="8",
    )
    assert answer.status_code == 422
    message = errors_beside(answer.get_data(as_text=True), "max_comps_per_staff")
    assert "cannot be above the shift's 5 comps" in message


def test_a_bad_count_shows_one_error_and_a_too_large_amount_names_the_range(maya, post):
    for count in ("-1", "1.5", "99999999999"):
        answer = post("/manage/allowances/override", allowance="1000000000", max_comps=count)
        html = answer.get_data(as_text=True)
        assert errors_beside(html, "max_comps") == (
            "Use a whole number of at least 1, or leave it empty."
        )
        assert errors_beside(html, "allowance") == "Use an amount between €0.00 and €9,999.99."
        assert errors_beside(html, "reason") == "Say why, for the history."
