"""The console's pages as a manager uses them: forms that save, and refusals beside the field."""

from __future__ import annotations

import csv
import dataclasses
import html as html_module
import io
import re
from datetime import time, timedelta
from decimal import Decimal

import pytest

from pos_plugin.database import db
from pos_plugin.models import AuditEvent, CatalogItem, Role, ShiftTemplate
from pos_plugin.services import catalog as catalog_service
from pos_plugin.services import staff as staff_service
from pos_plugin.services.actors import Actor
from pos_plugin.settings import SecuritySettings

from .conftest import errors_beside

TUESDAY = 1


def test_a_manager_lands_on_live_today_after_signing_in(make_staff, sign_in, client):
    manager = make_staff(Role.MANAGER, name="Maya", pin="9999")
    answer = sign_in(manager, pin="9999")
    assert answer.headers["Location"] == "/manage"
    page = client.get("/manage").get_data(as_text=True)
    assert "Live today" in page
    assert re.search(r'src="/assets/manage-live\.[0-9a-f]{12}\.js"', page)


def test_a_manager_may_sign_in_with_a_password(app, client, csrf, make_staff, clock):
    from pos_plugin.database import write_transaction
    from pos_plugin.services import staff

    manager = make_staff(Role.MANAGER, name="Maya", pin="9999")
    with app.app_context(), write_transaction():
        staff.set_password(
            Actor(role=Role.MANAGER, label="x"), manager.id, "copper-kettle", clock.now
        )
    page = client.get(f"/signin?staff={manager.id}&role=manager&with=password")
    assert 'name="password"' in page.get_data(as_text=True)
    token = csrf(f"/signin?staff={manager.id}")
    data = {"csrf_token": token, "staff_id": manager.id, "password": "copper-kettle"}
    assert client.post("/signin", data=data).headers["Location"] == "/manage"


def test_the_live_panel_refreshes_without_counting_as_activity(maya, client, make_item):
    panel = client.get("/manage/live", headers={"X-Background": "1"})
    assert panel.status_code == 200
    assert "Used" in panel.get_data(as_text=True)
    assert "<html" not in panel.get_data(as_text=True)


def test_adding_a_shift_shows_it_in_the_week(app, maya, post, client):
    answer = post(
        "/manage/allowances/templates",
        name="Afternoon",
        weekday=str(TUESDAY),
        starts="12:00",
        ends="17:00",
        allowance="12.50",
        max_comps="10",
    )
    assert answer.status_code == 302
    page = client.get("/manage/allowances").get_data(as_text=True)
    assert "Afternoon" in page
    assert "€12.50" in page


def test_an_overlapping_shift_is_refused_beside_the_start_field(maya, post, make_template):
    make_template(TUESDAY, time(8), time(12), name="Morning")
    answer = post(
        "/manage/allowances/templates",
        name="Brunch",
        weekday=str(TUESDAY),
        starts="11:00",
        ends="13:00",
        allowance="5",
    )
    assert answer.status_code == 422
    assert "Overlaps the 'Morning' shift." in errors_beside(answer.get_data(as_text=True), "starts")


def test_editing_the_afternoon_allowance_saves_it(app, maya, post, make_template):
    template = make_template(TUESDAY, time(12), time(17), allowance=800, name="Afternoon")
    answer = post(
        f"/manage/allowances/templates/{template.id}",
        name="Afternoon",
        weekday=str(TUESDAY),
        starts="12:00",
        ends="17:00",
        allowance="20.00",
    )
    assert answer.status_code == 302
    with app.app_context():
        assert db.session.get(ShiftTemplate, template.id).allowance_amount == 2000


@pytest.mark.parametrize(
    ("allowance", "message"),
    [("", "Type an amount"), ("lots", "Type an amount like 2.50"), ("1.005", "decimal places")],
)
def test_a_bad_amount_is_refused_beside_the_field(maya, post, allowance, message):
    answer = post("/manage/allowances/override", allowance=allowance, reason="Busy")
    assert answer.status_code == 422
    assert message in errors_beside(answer.get_data(as_text=True), "allowance")


def test_an_override_needs_a_reason_and_then_shows_in_the_history(maya, post, client):
    refused = post("/manage/allowances/override", allowance="30")
    assert "Say why" in errors_beside(refused.get_data(as_text=True), "reason")
    assert (
        post("/manage/allowances/override", allowance="30", reason="Coach party").status_code == 302
    )
    page = client.get("/manage/allowances").get_data(as_text=True)
    assert "Coach party" in page
    assert "€30.00" in page
    shift = client.get("/api/v1/shifts/current").json
    assert shift["allowance"]["amount"] == 3000


def test_adding_an_item_with_a_taken_name_is_refused_beside_the_name(maya, post, make_item):
    make_item(name="Free cookie")
    answer = post("/manage/catalog", name="Free cookie", value="1.80", icon="🍪")
    assert answer.status_code == 422
    assert "already an item" in errors_beside(answer.get_data(as_text=True), "name")


def test_retiring_an_item_takes_it_off_the_tablet(app, maya, post, make_item, client):
    item = make_item(name="Free cookie")
    assert post(f"/manage/catalog/{item.id}/retire").status_code == 302
    with app.app_context():
        assert db.session.get(CatalogItem, item.id).active is False
    assert "retired" in client.get("/manage/catalog").get_data(as_text=True)


def test_a_new_token_is_shown_once_and_opens_the_api(maya, post, client):
    answer = post("/manage/tokens", name="back till", role="till", staff="0")
    secret = re.search(r'<code id="new-secret">([^<]+)</code>', answer.get_data(as_text=True))
    assert secret
    reply = client.get("/api/v1/catalog", headers={"Authorization": f"Bearer {secret.group(1)}"})
    assert reply.status_code == 200
    assert secret.group(1) not in client.get("/manage/staff").get_data(as_text=True)


def test_adding_staff_with_a_short_pin_is_refused_beside_the_pin(maya, post):
    answer = post("/manage/staff", name="Dee", role="barista", pin="12")
    assert answer.status_code == 422
    assert "4 to 8 digits" in errors_beside(answer.get_data(as_text=True), "pin")


def test_a_store_that_wants_6_digit_manager_pins_says_so_and_refuses_shorter_ones(
    app, settings, maya, post, client
):
    app.config["POS_PLUGIN_SETTINGS"] = dataclasses.replace(
        settings, security=SecuritySettings(manager_pin_digits=6)
    )
    assert "Managers: at least 6 digits." in client.get("/manage/staff").get_data(as_text=True)
    answer = post("/manage/staff", name="Mo", role="manager", pin="2468")
    assert answer.status_code == 422
    assert "at least 6 digits" in errors_beside(answer.get_data(as_text=True), "pin")
    assert post("/manage/staff", name="Mo", role="manager", pin="246810").status_code == 302
    assert post("/manage/staff", name="Dee", role="barista", pin="1357").status_code == 302
    # Maya's own 4-digit PIN predates the rule; a new one must keep to it.
    page = client.get(f"/manage/staff/{maya.id}").get_data(as_text=True)
    assert "6 to 8 digits for a manager." in page
    answer = post(f"/manage/staff/{maya.id}/pin", pin="1234")
    assert answer.status_code == 422
    assert "at least 6 digits" in errors_beside(answer.get_data(as_text=True), "pin")


def test_the_report_csv_has_the_numbers_of_the_table(
    client, make_item, auth, clock, make_staff, sign_in
):
    item = make_item(value=180, name="Free cookie")
    till = auth("till")
    for n in range(3):
        client.post(
            "/api/v1/comps",
            json={"item_id": item.id},
            headers={**till, "Idempotency-Key": f"k{n}"},
        )
        clock.now += timedelta(days=1)
    clock.now -= timedelta(days=1)
    sign_in(make_staff(Role.MANAGER, name="Maya", pin="9999"), pin="9999")
    page = client.get("/manage/reports?report=day&days=7").get_data(as_text=True)
    bars = re.findall(r'data-label="([^"]+)" data-value="(\d+)"', page)
    download = client.get("/manage/reports.csv?report=day&days=7")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    # The chart names each day as the store reads it ("Fri 20 Nov"), the CSV as ISO.
    assert [Decimal(r["value (EUR)"]) * 100 for r in rows] == [Decimal(v) for _, v in bars]
    assert bars[0][0] == "Fri 20 Nov"
    assert rows[0]["business day"] == "2026-11-20"
    assert sum(int(v) for _, v in bars) == 540
    assert [r["value (EUR)"] for r in rows if r["comps (count)"] != "0"] == ["1.80"] * 3


def test_the_shift_report_explains_unscheduled_and_totals_every_column(
    client, make_item, auth, make_staff, sign_in
):
    item = make_item(value=180, name="Free cookie")
    till = auth("till")
    given = [
        client.post(
            "/api/v1/comps", json={"item_id": item.id}, headers={**till, "Idempotency-Key": k}
        ).get_json()
        for k in ("a", "b")
    ]
    voided = client.post(
        f"/api/v1/comps/{given[0]['id']}/void",
        json={"reason": "Wrong tap"},
        headers=auth("manager"),
    )
    assert voided.status_code == 200
    sign_in(make_staff(Role.MANAGER, name="Maya", pin="9999"), pin="9999")

    html = client.get("/manage/reports?report=shift&days=7").get_data(as_text=True)

    assert '<td aria-describedby="unscheduled-hint">Unscheduled</td>' in html
    assert "no shift of the schedule was running" in html
    total = re.search(r"<tfoot>(.*?)</tfoot>", html, re.S)
    assert total is not None
    cells = [html_module.unescape(c) for c in re.findall(r'<td class="n">([^<]*)</td>', total[1])]
    assert cells == ["1", "€1.80", "1"]


def test_an_unknown_report_is_a_page_not_a_traceback(maya, client):
    answer = client.get("/manage/reports?report=weather")
    assert answer.status_code == 404
    assert "There is no report" in answer.get_data(as_text=True)


def test_starring_a_story_from_the_wall(app, maya, post, client, make_item, auth):
    item = make_item(value=50)
    given = client.post(
        "/api/v1/comps",
        json={"item_id": item.id, "note": "Happy birthday!", "customer_name": "Priya"},
        headers={**auth("till"), "Idempotency-Key": "story"},
    ).json
    wall = client.get("/manage/delight").get_data(as_text=True)
    assert "Happy birthday!" in wall
    assert post(f"/manage/delight/{given['id']}/star").status_code == 302
    assert "starred by Maya (manager)" in client.get("/manage/delight?starred=1").get_data(
        as_text=True
    )


def test_the_audit_log_filters_by_action(app, maya, client, make_item):
    make_item(name="Free cookie")
    page = client.get("/manage/audit?action=catalog_item.created").get_data(as_text=True)
    assert "catalog_item.created" in page
    assert "staff.created" not in page.split("<tbody>")[1]
    with app.app_context():
        assert db.session.query(AuditEvent).count() > 1


def test_a_backwards_date_range_is_refused_beside_the_field(maya, client):
    answer = client.get("/manage/audit?start=2026-11-25&end=2026-11-01")
    assert answer.status_code == 422
    assert "after the end" in errors_beside(answer.get_data(as_text=True), "start")


def test_approving_a_proposed_breakdown(app, maya, post, client):
    from pos_plugin.database import write_transaction
    from pos_plugin.services import playbook

    with app.app_context(), write_transaction():
        proposed = playbook.propose(
            Actor(role=Role.BARISTA, label="Ana"),
            title="Wi-Fi down",
            recovery="Offer the paper.",
            suggested_item_id=None,
            proposed_by_id=None,
            now=app.config["POS_PLUGIN_CLOCK"](),
        )
    assert post(f"/manage/playbook/{proposed.id}/approve").status_code == 302
    listed = client.get("/api/v1/breakdowns").json
    assert [b["title"] for b in listed] == ["Wi-Fi down"]


def test_the_health_page_shows_printer_and_sync(maya, client):
    page = client.get("/manage/health").get_data(as_text=True)
    assert "Receipt printer" in page
    assert "No day exported yet" in page


def test_every_check_on_the_health_page_has_a_name_in_words(maya, client):
    from pos_plugin import checks as health_checks

    page = client.get("/manage/health").get_data(as_text=True)

    rows = re.findall(r'<th scope="row">([^<]*)</th>', page)
    assert len(rows) == len(health_checks.CONSOLE)
    assert all(row[:1].isupper() for row in rows), rows


def test_the_health_page_shows_the_doctors_checks_in_words(maya, client, schema_at):
    schema_at("0008_partial_comp_indexes")

    page = client.get("/manage/health").get_data(as_text=True)

    checks = page[page.index('<table id="checks">') :]
    assert "needs fixing</span>" in checks
    assert "The database is at schema 0008_partial_comp_indexes" in checks
    assert "Run `pos-plugin init` to upgrade it (every record is kept)." in checks
    assert "No receipt printer is set up." in checks


@pytest.mark.parametrize("name", ["", "\u200b\u200b", "\ufeff \u2060", "\u3164"])
def test_a_staff_name_that_shows_nothing_is_refused_beside_the_name_like_a_blank_one(
    app, maya, post, name
):
    answer = post("/manage/staff", name=name, role="barista", pin="2468")

    assert answer.status_code == 422
    assert errors_beside(answer.get_data(as_text=True), "name") == "Give the staff member a name."
    with app.app_context():
        assert [m.name for m in staff_service.list_staff()] == ["Maya"]


def test_an_item_named_only_with_zero_width_spaces_is_refused_beside_the_name(maya, post, client):
    answer = post("/manage/catalog", name="\u200b", value="1.80", icon="\u200d")

    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert errors_beside(html, "name") == "Name the item."
    assert errors_beside(html, "icon") == "Pick an icon."


def test_an_item_with_a_word_for_its_icon_is_refused_beside_the_icon(maya, post):
    answer = post("/manage/catalog", name="Tea", value="1.80", icon="Tea")

    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert errors_beside(html, "icon") == catalog_service.ONE_EMOJI


def test_an_item_with_a_zwj_emoji_icon_is_added(maya, post, client):
    cook = "\U0001f469\u200d\U0001f373"  # woman cook: an emoji held together by a ZWJ
    answer = post("/manage/catalog", name="Cook's treat", value="1.80", icon=cook)

    assert answer.status_code == 302
    assert cook in client.get("/manage/catalog").get_data(as_text=True)
