"""Head office's sign-in in Chromium, against a real `pos-plugin headoffice serve`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime

import pytest

from pos_plugin.headoffice import database, rollups
from pos_plugin.headoffice.models import StoreComp

PASSWORD = "correct horse battery"
DAY = date(2026, 11, 23)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def seed_comps(url: str) -> None:
    """A few comps of two stores and their rollups, as ingest would have loaded them."""
    engine = database.open_database(url)
    try:
        with database.write_session(engine) as session:
            for store, item, value in [
                ("cafe-north", "Free cookie", 180),
                ("cafe-north", "Extra cream", 50),
                ("cafe-south", "Size upgrade", 60),
            ]:
                session.add(
                    StoreComp(
                        business_date=DAY,
                        store_id=store,
                        comp_id=uuid.uuid4(),
                        sequence=1,
                        status="active",
                        created_at=datetime(2026, 11, 23, 9, tzinfo=UTC),
                        item_id=1,
                        item_name=item,
                        value_amount=value,
                        currency="GBP",
                        staff_id=1,
                        staff_name="Ana",
                        shift_id=1,
                        created_by="Ana",
                    )
                )
            session.flush()
            for store in ("cafe-north", "cafe-south"):
                rollups.refresh(session, [(store, DAY)])
    finally:
        engine.dispose()


@pytest.fixture
def headoffice_serve(tmp_path):
    """`headoffice serve` on a free port, with Olu (a viewer) made by `headoffice user add`."""
    home = tmp_path / "ho-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("POS_PLUGIN_")}
    env["POS_PLUGIN_HOME"] = str(home)
    command = [sys.executable, "-m", "pos_plugin", "headoffice"]
    added = subprocess.run(
        [*command, "user", "add", "Olu", "--role", "viewer"],
        env=env,
        input=f"{PASSWORD}\n{PASSWORD}\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert added.returncode == 0, added.stderr
    seed_comps(f"sqlite:///{home / 'headoffice.db'}")
    server = subprocess.Popen(
        [*command, "serve", "--port", str(free_port())],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert "Head office is serving on http://" in line, line
        yield line.split(" on ", 1)[1].split()[0].rstrip("/")
    finally:
        server.terminate()
        server.communicate(timeout=10)


def test_a_viewer_signs_in_to_head_office_and_out_again(headoffice_serve, new_page, shot, tmp_path):
    expect = pytest.importorskip("playwright.sync_api").expect
    page = new_page({"width": 1280, "height": 900})

    page.goto(f"{headoffice_serve}/?from=2026-11-01&to=2026-11-30")
    expect(page.get_by_role("heading", name="Sign in to head office")).to_be_visible()
    page.get_by_label("Name").fill("Olu")
    page.get_by_label("Password").fill("not the right one")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("That name and password do not match.")
    page.screenshot(path=str(tmp_path / "hosignin-refused.png"), full_page=True)
    shot(page, "headoffice-signin-refused")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_text("Olu (viewer)")).to_be_visible()
    expect(page.get_by_role("heading", name="Comps by store")).to_be_visible()
    assert "from=2026-11-01" in page.url  # back to the page first asked for
    expect(page.locator("table").first).to_contain_text("cafe-south")
    page.screenshot(path=str(tmp_path / "hosignin-reports.png"), full_page=True)
    shot(page, "headoffice-reports")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to head office")).to_be_visible()
    page.goto(f"{headoffice_serve}/")
    expect(page.get_by_role("heading", name="Sign in to head office")).to_be_visible()
    shots = os.environ.get("POS_PLUGIN_SHOTS")  # a folder to copy them to, for a person
    if shots:
        for name in ("hosignin-refused.png", "hosignin-reports.png"):
            shutil.copy(tmp_path / name, shots)
