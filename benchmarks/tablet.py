"""`make bench-tablet`: the tap on the barista tablet as Chromium shows it.

A store set up from outside (benchmarks/store.py: `pos-plugin init`, a manager adds the
item in the console, `pos-plugin staff add` a barista), served by `pos-plugin serve`.
Headless Chromium (/usr/bin/chromium) signs the barista in and taps the tile; in the page,
from the click: the waiting count shown, the comp's toast with its Undo, and the meter's new
value. Beside each tap, in the same page and turn about, the floor the meter waits for: the
page's own POST of a comp then GET of the shift, with nothing drawn. Prints p50 and p90 of
each and the ratio tap-to-meter / floor; `--quick` taps a few times to prove it still runs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import store
from bench import Target, percentile

CHROMIUM = os.environ.get("POS_PLUGIN_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
BARISTA_PIN = "2468"

# One tap, timed from the click: the waiting count, the toast, then the meter's new value.
TAP = """(button) => new Promise((done) => {
    const meter = document.getElementById('meter-value');
    const toasts = document.getElementById('toast');
    const before = meter.textContent, given = toasts.querySelectorAll('[data-comp]').length;
    const at = {}, started = performance.now();
    const seen = () => {
        if (at.waiting === undefined && !document.getElementById('waiting').hidden)
            at.waiting = performance.now() - started;
        if (at.toast === undefined && toasts.querySelectorAll('[data-comp]').length > given)
            at.toast = performance.now() - started;
        if (meter.textContent !== before) {
            at.meter = performance.now() - started;
            observer.disconnect();
            done(at);
        }
    };
    const observer = new MutationObserver(seen);
    observer.observe(document.body, {childList: true, subtree: true, characterData: true,
                                     attributes: true, attributeFilter: ['hidden']});
    document.querySelector(button).click();
})"""

# The floor: what the meter waits for, sent by the page itself, nothing drawn.
FLOOR = """async (itemId) => {
    const csrf = document.querySelector('meta[name="csrf-token"]').content;
    const key = 'bench-' + Math.random().toString(16).slice(2) + Date.now();
    const started = performance.now();
    await (await fetch('/api/v1/comps', {method: 'POST', body: JSON.stringify({item_id: itemId}),
        headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf,
                  'Idempotency-Key': key}})).json();
    await (await fetch('/api/v1/shifts/current')).json();
    return performance.now() - started;
}"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taps", type=int, default=40)
    parser.add_argument("--quick", action="store_true", help="5 taps: proves it runs")
    args = parser.parse_args(argv)
    taps = 5 if args.quick else args.taps
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-tablet-") as tmp:
        home = Path(tmp) / "home"
        shop = store.create(home, f"sqlite:///{home / 'store.db'}")
        store.cli(shop.env, "staff", "add", "Bench barista", "--role", "barista",
                  "--pin", BARISTA_PIN)  # fmt: skip
        serve = Target("serve", [store.POS_PLUGIN, "serve"], shop.env, "", {})
        serve.start(Path(tmp) / "serve.log")
        base = f"http://127.0.0.1:{serve.port}"
        try:
            shop = store.add_item(shop, base)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                page = browser.new_page(viewport={"width": 800, "height": 1280})
                page.goto(f"{base}/tablet")
                page.get_by_role("link", name="Bench barista").click()
                page.locator("#pin").fill(BARISTA_PIN)
                page.keyboard.press("Enter")
                page.wait_for_url(f"{base}/tablet")
                page.wait_for_load_state("networkidle")
                tile = f'[data-give="{shop.item_id}"]'
                measured: dict[str, list[float]] = {"waiting": [], "toast": [], "meter": []}
                floor: list[float] = []
                for _ in range(taps):
                    for name, ms in page.evaluate(TAP, tile).items():
                        measured[name].append(ms)
                    floor.append(page.evaluate(FLOOR, shop.item_id))
                browser.close()
        finally:
            serve.stop()
    rows = [
        ("tap -> waiting count shown", measured["waiting"]),
        ("tap -> toast with its Undo", measured["toast"]),
        ("tap -> meter's new value", measured["meter"]),
        ("floor: the page's POST + GET", floor),
    ]
    print(f"The tablet in Chromium, {taps} taps on SQLite (ms)")
    print(f"{'':32}{'p50':>8}{'p90':>8}")
    for label, values in rows:
        print(f"{label:32}{percentile(values, 0.5):8.1f}{percentile(values, 0.9):8.1f}")
    ratio = percentile(measured["meter"], 0.5) / max(percentile(floor, 0.5), 0.001)
    print(f"tap -> meter / floor, p50: {ratio:.2f}x")
    load = os.getloadavg()[0]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    print(f"load average {load:.1f} on {os.cpu_count()} cores; commit {commit.stdout.strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
