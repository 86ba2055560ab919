"""Browser tests: headless Chromium (Playwright) against a real server on a loopback port.

Each test gets its own store (SQLite in a temporary home) served by `serve`'s server in
a thread of the test process, with the real clock; Chromium is the system one
(`/usr/bin/chromium`, installed by `make services`), started once per worker.
Screenshots of the main states go to tests/artifacts/e2e/ (git-ignored).
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from pos_plugin import create_app, serving
from pos_plugin.database import db, write_transaction
from pos_plugin.models import Role
from pos_plugin.money import Money
from pos_plugin.printing import app as printing
from pos_plugin.services import catalog, playbook, staff
from pos_plugin.services.actors import SYSTEM
from pos_plugin.services.store import apply_settings, get_store

CHROMIUM = os.environ.get("POS_PLUGIN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "e2e"
TABLET = {"width": 800, "height": 1280}  # a 10" tablet, portrait
DESK = {"width": 1280, "height": 900}  # the manager's console

pytestmark = pytest.mark.e2e


@dataclass
class LiveStore:
    """A running server and its app, to seed data and check what was recorded."""

    url: str
    app: Flask

    def run(self, work: Callable[[], Any]) -> Any:
        with self.app.app_context(), write_transaction():
            return work()

    def read(self, work: Callable[[], Any]) -> Any:
        with self.app.app_context():
            try:
                return work()
            finally:
                db.session.remove()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: `make services` installs it")
    playwright_api = pytest.importorskip("playwright.sync_api")
    playwright_api.expect.set_options(timeout=10_000)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def live(
    request: pytest.FixtureRequest, tmp_path: Path, settings_for: Callable[..., Any]
) -> Iterator[LiveStore]:
    """The server, as `pos-plugin serve` builds it; `indirect` parametrisation may pass a
    `PrinterSettings` to print with, or a dict of `[store]` settings (a German store's
    `{"locale": "de_DE", "timezone": "Europe/Berlin"}`)."""
    home = tmp_path / "home"
    option = getattr(request, "param", None)
    store_keys = option if isinstance(option, dict) else {}
    settings = settings_for(
        home, f"sqlite:///{tmp_path / 'store.db'}", **{"currency": "GBP", **store_keys}
    )
    printer = None if isinstance(option, dict) else option
    if printer is not None:
        settings = dataclasses.replace(settings, printer=printer)
    app = create_app({"SETTINGS": settings})
    now = datetime.now(UTC)
    with app.app_context():
        db.create_all()
        with write_transaction():
            apply_settings(settings, SYSTEM, now)
    worker = printing.start_worker(app)
    server = serving.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield LiveStore(url=f"http://127.0.0.1:{server.port}", app=app)
    finally:
        server.stop()
        thread.join(timeout=5)
        if worker is not None:
            worker.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def cafe(live: LiveStore) -> dict[str, Any]:
    """A small cafe: two baristas, a manager, three comps, one approved breakdown."""

    def seed() -> dict[str, Any]:
        now = datetime.now(UTC)
        store = get_store()
        people = {
            name: staff.add_staff(SYSTEM, name=name, role=role, pin=pin, now=now).id
            for name, role, pin in [
                ("Ana", Role.BARISTA, "1111"),
                ("Ben", Role.BARISTA, "2222"),
                ("Maya", Role.MANAGER, "9999"),
            ]
        }
        items = {
            name: catalog.add_item(
                SYSTEM,
                store,
                name=name,
                value=Money(pence, "GBP"),
                icon=icon,
                suggested_notes=notes,
                now=now,
            ).id
            for name, pence, icon, notes in [
                ("Extra cream", 50, "🥛", ["Just the way you like it."]),
                ("Free cookie", 180, "🍪", ["Happy birthday!", "Sorry for the wait!"]),
                ("Size upgrade", 60, "⬆️", []),
            ]
        }
        proposed = playbook.propose(
            SYSTEM,
            title="Out of oat milk",
            recovery="Upgrade the size.",
            suggested_item_id=items["Size upgrade"],
            proposed_by_id=None,
            now=now,
        )
        playbook.approve(SYSTEM, proposed.id, now)
        return {"staff": people, "items": items, "breakdown": proposed.id}

    return dict(live.run(seed))


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """`new_page(viewport=TABLET)`: a page in a fresh browser context (its own cookies)."""
    contexts: list[Any] = []

    def make(viewport: dict[str, int] | None = None) -> Any:
        context = browser.new_context(viewport=viewport or TABLET, locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        # Generous: the suite shares two cores with everything else that runs.
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    """`shot(page, "name")`: save a screenshot under tests/artifacts/e2e/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def tap_pin(page: Any, pin: str, pad: str = ".pinpad") -> None:
    # The pad's script is deferred: a digit tapped before it ran was lost, and OK then
    # sent a short PIN (the sign-in flakes seen under load).
    page.wait_for_load_state("domcontentloaded")
    for digit in pin:
        page.locator(f'{pad} [data-key="{digit}"]').click()


def sign_in_console(page: Any, url: str, name: str = "Maya", pin: str = "9999") -> None:
    """Open the console at `url` (the server's), tap the manager's name, the PIN, OK."""
    page.goto(f"{url}/manage")
    page.locator(".tile", has_text=name).click()
    tap_pin(page, pin)
    page.get_by_role("button", name="OK").click()
    page.wait_for_url(f"{url}/manage")


@pytest.fixture
def console(console_at: Callable[[dict[str, int]], Any]) -> Any:
    """A desk browser signed in as Maya on /manage."""
    return console_at(DESK)


@pytest.fixture
def sign_in(live: LiveStore) -> Callable[..., None]:
    """`sign_in(page, "Ana", "1111")`: open the tablet, tap the name, the PIN, OK."""

    def run(page: Any, name: str, pin: str) -> None:
        page.goto(f"{live.url}/tablet")
        page.get_by_role("link", name=name, exact=True).click()
        tap_pin(page, pin)
        page.get_by_role("button", name="OK").click()
        page.wait_for_url(f"{live.url}/tablet")

    return run


@pytest.fixture
def console_at(live: LiveStore, cafe: dict[str, Any], new_page: Callable[..., Any]) -> Any:
    """`console_at({"width": 1024, "height": 768})`: a browser of that size signed in as
    Maya (the cafe's manager) on /manage."""

    def open_console(viewport: dict[str, int]) -> Any:
        page = new_page(viewport)
        sign_in_console(page, live.url)
        return page

    return open_console
