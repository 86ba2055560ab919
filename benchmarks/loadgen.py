#!/usr/bin/env python
"""Load generator: C keep-alive clients fire taps at one server; prints JSON.

Runs in its own process (its own GIL), so the server under test gets the
interpreter to itself. Every tap carries a fresh Idempotency-Key. Each client
opens its connection and makes one untimed tap before the clients start
together, so connection set-up is not part of the figures.

    python loadgen.py --port 5000 --path /api/v1/comps --clients 8 --taps 2000 \
        --body '{"item_id": 1}' --header 'Authorization: Bearer ...'

Output: {"taps", "wall_s", "latencies_ms": [...], "errors": {"status: text": n}}
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import threading
import time
import uuid
from collections import Counter

TIMEOUT_S = 30.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--clients", type=int, required=True)
    parser.add_argument("--taps", type=int, required=True, help="in all, shared by the clients")
    parser.add_argument("--body", required=True)
    parser.add_argument("--header", action="append", default=[])
    args = parser.parse_args()

    body = args.body.encode()
    fixed = {"Content-Type": "application/json"}
    for header in args.header:
        name, _, value = header.partition(":")
        fixed[name.strip()] = value.strip()
    share, extra = divmod(args.taps, args.clients)
    shares = [share + (i < extra) for i in range(args.clients)]
    latencies: list[list[float]] = [[] for _ in shares]
    errors: Counter[str] = Counter()
    lock = threading.Lock()
    ready = threading.Barrier(args.clients + 1)

    def tap(conn: http.client.HTTPConnection) -> float:
        headers = {**fixed, "Idempotency-Key": uuid.uuid4().hex}
        started = time.perf_counter()
        conn.request("POST", args.path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 201:
            with lock:
                errors[f"{response.status}: {text[:200].decode(errors='replace')}"] += 1
        return elapsed

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=TIMEOUT_S)
        try:
            tap(conn)  # untimed: opens the connection
        finally:
            ready.wait()
        mine = latencies[index]
        for _ in range(shares[index]):
            mine.append(tap(conn))
        conn.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(args.clients)]
    for thread in threads:
        thread.start()
    ready.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    flat = [round(x * 1000, 3) for part in latencies for x in part]
    result = {"taps": len(flat), "wall_s": wall, "latencies_ms": flat, "errors": errors}
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
