"""A three-node Citus cluster for head office's tests, started once per test run.

`../shared/citus/cluster.sh` (beside the project) starts a coordinator and two
workers on free loopback ports in a temporary folder. The pytest-xdist workers
share one cluster: the first to need it starts it, each counts itself in and
out under a file lock, and the last one out stops it. Each worker gets its own
database, each test its own schema in it.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from filelock import FileLock

SHARED_CITUS = Path(__file__).resolve().parents[2].parent / "shared" / "citus"
CLUSTER_SH = SHARED_CITUS / "cluster.sh"


def absent_reason() -> str | None:
    if not CLUSTER_SH.is_file():
        return f"no Citus here: {SHARED_CITUS} is absent (see docs/head-office-scale.md)"
    if shutil.which("pg_config") is None:
        return "no Citus here: PostgreSQL's pg_config is not installed"
    return None


def _three_free_ports() -> int:
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port + 2 < 65536 and all(_free(port + n) for n in (1, 2)):
            return port
    raise RuntimeError("no three free ports in a row on 127.0.0.1")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _run(*args: str) -> None:
    done = subprocess.run(
        ["bash", str(CLUSTER_SH), *args], capture_output=True, text=True, timeout=300
    )
    if done.returncode:  # most often Citus is not built yet: `make services` builds it
        raise RuntimeError(f"cluster.sh {' '.join(args)} failed: {done.stderr or done.stdout}")


def join(state_file: Path, database: str) -> str:
    """A database of this process's own on the run's cluster, started if no one has yet;
    this process is counted in. Its URL.

    Under the lock: two `createdb` at once on one cluster fail ("tuple concurrently updated").
    """
    with FileLock(f"{state_file}.lock"):
        state = json.loads(state_file.read_text()) if state_file.exists() else None
        if state is None:
            folder = tempfile.mkdtemp(prefix="pos-citus-")  # in /tmp: postgres must reach it
            port = _three_free_ports()
            try:
                _run("start", folder, str(port))
            except RuntimeError:
                _stop(folder)  # whichever nodes did start
                raise
            state = {"port": port, "folder": folder, "users": 0}
        state["users"] += 1
        state_file.write_text(json.dumps(state))
        _run("createdb", database, str(state["port"]))
        return f"postgresql+psycopg://postgres@127.0.0.1:{state['port']}/{database}"


def leave(state_file: Path) -> None:
    """Counted out (even when `join` failed half-way); the last process out stops the
    cluster and removes its folder."""
    with FileLock(f"{state_file}.lock"):
        if not state_file.exists():
            return
        state = json.loads(state_file.read_text())
        state["users"] -= 1
        if state["users"] > 0:
            state_file.write_text(json.dumps(state))
            return
        state_file.unlink()
    # Its nodes write a shutdown checkpoint each, seconds on a busy machine: no test waits.
    # bash puts the stop in the background and returns at once.
    stop = '( bash "$0" stop "$1"; rm -rf "$1" ) >/dev/null 2>&1 &'
    subprocess.run(
        ["bash", "-c", stop, str(CLUSTER_SH), state["folder"]], check=True, start_new_session=True
    )


def _stop(folder: str) -> None:
    _run("stop", folder)
    shutil.rmtree(folder, ignore_errors=True)
