"""docs/till-integration.md works as written: its curl and Python examples run against a live
server, its webhook example has the members a delivery carries, its links resolve."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from pos_plugin import serving
from pos_plugin.api.schemas import CompSchema
from pos_plugin.database import db
from pos_plugin.models import Comp, Role

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "till-integration.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)


@pytest.fixture
def live(app: Any, make_item: Any, make_token: Any) -> Iterator[dict[str, str]]:
    """The app served over HTTP on loopback, with item 1 and a till token: the guide's env."""
    item = make_item(value=180, name="Cookie")
    assert item.id == 1, "the guide's examples give item 1"
    token = make_token(Role.TILL, name="front till")
    server = serving.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("POS_PLUGIN_")}
    yield env | {"POS": f"http://127.0.0.1:{server.port}", "TOKEN": token}
    server.stop()
    thread.join(10)


def order_refs(app: Any) -> list[str | None]:
    with app.app_context():
        try:
            return list(db.session.scalars(select(Comp.order_ref).order_by(Comp.created_at)))
        finally:
            db.session.remove()


def run_example(
    command: list[str], env: dict[str, str], folder: Path
) -> subprocess.CompletedProcess[str]:
    """Run a guide's example as a till's developer would paste it, in `folder`."""
    return subprocess.run(
        command, env=env, cwd=folder, capture_output=True, text=True, timeout=60, check=False
    )


def test_the_curl_examples_record_a_comp_for_the_order_and_fetch_its_note(app, live, tmp_path):
    script = "\n".join(blocks("sh"))
    assert "curl" in script

    ran = run_example(["bash", "-euo", "pipefail", "-c", script], live, tmp_path)

    assert ran.returncode == 0, ran.stderr
    comp = json.loads((tmp_path / "comp.json").read_text())
    assert comp["order_ref"] == "A-1042"
    assert f"comp {comp['id']} for order A-1042" in ran.stdout
    assert "Sam" in ran.stdout, "the text note names the customer"
    assert (tmp_path / "note.bin").read_bytes().startswith(b"\x1b@")
    assert (tmp_path / "note.png").read_bytes().startswith(b"\x89PNG")
    assert order_refs(app) == ["A-1042"]


def test_the_python_till_script_records_one_comp_however_often_it_retries(app, live, tmp_path):
    [script] = [block for block in blocks("python") if "def comp_for_order(" in block]

    ran = run_example([sys.executable, "-c", script], live, tmp_path)

    assert ran.returncode == 0, ran.stderr
    comp_id, order_ref, same, size, unit = ran.stdout.split()
    assert re.fullmatch(r"[0-9a-f-]{36}", comp_id)
    assert (order_ref, same, unit) == ("A-1043", "True", "bytes")
    assert int(size) > 50
    assert order_refs(app) == ["A-1043"]


def test_the_delivery_example_has_the_members_of_a_comp_and_of_an_event(app):
    [example] = [json.loads(block) for block in blocks("json")]

    assert set(example) == {"id", "type", "timestamp", "data"}
    with app.app_context():
        assert set(example["data"]) == set(CompSchema().fields)


def test_the_guide_links_resolve():
    links = re.findall(r"\]\(((?!https?:|#)[^)#]+)", GUIDE.read_text(encoding="utf-8"))

    assert "api.md" in links
    assert "passthrough.md" in links
    missing = {link for link in links if not (GUIDE.parent / link).exists()}
    assert missing == set()
