"""A store to tap at, set up from outside as a shop would: the CLI, then HTTP.

`pos-plugin init` in a temp POS_PLUGIN_HOME whose config grants an allowance no
run uses up; a till token (`pos-plugin token create`); a manager
(`pos-plugin staff add`) who signs in to the console over HTTP and adds the one
catalog item the taps give. Nothing of the package is imported, so the
benchmark does not care how the tap is built inside.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
POS_PLUGIN = str(BIN / "pos-plugin")
# The amount column is a 32-bit integer: a billion cents is more than any run gives.
CONFIG = """\
[store]
id = "bench-cafe"
name = "Bench Cafe"
currency = "EUR"

[allowance]
amount = 1000000000
max_comps = "none"
max_comps_per_staff = "none"

[server]
threads = 8
"""
MANAGER_PIN = "97531"


@dataclass(frozen=True)
class Store:
    env: dict[str, str]  # POS_PLUGIN_HOME and POS_PLUGIN_DATABASE_URL
    token: str
    item_id: int = 0


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [POS_PLUGIN, *args], env={**os.environ, **env}, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"pos-plugin {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def create(home: Path, database_url: str) -> Store:
    """An initialised store with a till token; its item is added once it serves."""
    home.mkdir(parents=True)
    (home / "pos-plugin.toml").write_text(CONFIG, encoding="utf-8")
    env = {"POS_PLUGIN_HOME": str(home), "POS_PLUGIN_DATABASE_URL": database_url}
    cli(env, "init")
    token = cli(env, "token", "create", "--role", "till", "--name", "bench").strip()
    cli(env, "staff", "add", "Bench manager", "--role", "manager", "--pin", MANAGER_PIN)
    return Store(env, token)


def add_item(store: Store, base: str) -> Store:
    """Sign the manager in to the console and add an item; the item's id from the API."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )

    def page(path: str, form: dict[str, Any] | None = None) -> str:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        with opener.open(base + path, data=data, timeout=30) as answer:
            return str(answer.read().decode())

    tiles = page("/signin?role=manager")
    staff_id = re.search(r"staff=(\d+)", tiles)
    if staff_id is None:
        raise SystemExit("the sign-in page lists no manager")
    signin = page(f"/signin?role=manager&staff={staff_id[1]}")
    page(
        "/signin",
        {
            "csrf_token": csrf(signin),
            "staff_id": staff_id[1],
            "pin": MANAGER_PIN,
            "role": "manager",
            "next": "/manage/catalog",
        },
    )
    catalog = page("/manage/catalog")
    form = {"csrf_token": csrf(catalog), "name": "Bench cookie", "value": "2.50", "icon": "🍪"}
    page("/manage/catalog", form)
    request = urllib.request.Request(
        base + "/api/v1/catalog", headers={"Authorization": f"Bearer {store.token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        import json

        items = [i for i in json.load(answer) if i["name"] == "Bench cookie"]
    if not items:
        raise SystemExit("the console did not add the bench's item")
    return Store(store.env, store.token, int(items[0]["id"]))


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    if found is None:
        raise SystemExit("no CSRF token on the console's page")
    return found[1]
