"""The load generator: keep-alive clients that tap one server and print JSON results.

It runs in its own process (its own GIL), so the server under test has its
interpreter to itself. Every request carries a fresh Idempotency-Key. Each client
first makes one untimed request, so opening connections is not in the figures.

- Open loop (`--rate R --seconds S`): request k is due at k/R seconds and goes out
  on client k mod C when due, whatever the earlier answers' latency. Latency is
  counted from when the request was due, so a server that falls behind is charged
  for the wait too (no coordinated omission). `late_ms` says how late requests
  left: if it grows while the server is quick, the generator is the bottleneck.
- Closed loop (`--taps N`): each client sends its next request when the last
  answer is in; N shared by the clients.
- `--stub`: a trivial server answering 201 at once, to check the generator can
  offer more than a plan asks of it.

Output: {"sent", "wall_s", "latencies_ms", "late_ms", "errors": {"status: text": n},
"cpu_s"} where cpu_s is this process's own CPU time.
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import json
import sys
import threading
import time
import uuid
from collections import Counter
from typing import Any

TIMEOUT_S = 30.0


class Client:
    def __init__(self, args: argparse.Namespace) -> None:
        self.path, self.body = args.path, args.body.encode()
        self.headers = {"Content-Type": "application/json"}
        for header in args.header:
            name, _, value = header.partition(":")
            self.headers[name.strip()] = value.strip()
        self.conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=TIMEOUT_S)
        self.errors: Counter[str] = Counter()  # each client its own: no lock between them

    def send(self) -> None:
        headers = {**self.headers, "Idempotency-Key": uuid.uuid4().hex}
        try:
            self.conn.request("POST", self.path, body=self.body, headers=headers)
            answer = self.conn.getresponse()
            text = answer.read()
        except (OSError, http.client.HTTPException) as exc:
            self.errors[repr(exc)] += 1
            self.conn.close()  # http.client opens a new connection on the next request
            return
        if answer.status != 201:
            self.errors[f"{answer.status}: {text[:200].decode(errors='replace')}"] += 1


def run(args: argparse.Namespace) -> dict[str, Any]:
    clients = [Client(args) for _ in range(args.clients)]
    for client in clients:
        client.send()  # untimed: opens the connection
    if args.taps is not None:
        share, extra = divmod(args.taps, args.clients)
        counts = [share + (i < extra) for i in range(args.clients)]
        due: list[list[float | None]] = [[None] * n for n in counts]
    else:
        total = round(args.rate * args.seconds)
        due = [[k / args.rate for k in range(i, total, args.clients)] for i in range(args.clients)]
    latencies: list[list[float]] = [[] for _ in clients]
    late: list[list[float]] = [[] for _ in clients]
    start = threading.Barrier(args.clients + 1)
    began = [0.0]

    def work(index: int) -> None:
        client, mine, lateness = clients[index], latencies[index], late[index]
        start.wait()
        for at in due[index]:
            if at is not None:  # open loop: wait until the request is due
                delay = began[0] + at - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            sent = time.perf_counter()
            client.send()
            done = time.perf_counter()
            if at is None:
                mine.append(done - sent)
            else:
                mine.append(done - began[0] - at)
                lateness.append(sent - began[0] - at)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(args.clients)]
    for thread in threads:
        thread.start()
    cpu = time.process_time()
    began[0] = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began[0]
    return {
        "sent": sum(len(d) for d in due),
        "wall_s": wall,
        "latencies_ms": [round(x * 1000, 3) for part in latencies for x in part],
        "late_ms": [round(x * 1000, 3) for part in late for x in part],
        "errors": sum((c.errors for c in clients), Counter[str]()),
        "cpu_s": time.process_time() - cpu,
    }


class Stub(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the servers under test

    def answer(self, status: int) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def do_POST(self) -> None:
        self.answer(201)

    def do_GET(self) -> None:  # /healthz, so the stub starts like the servers do
        self.answer(200)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--stub", action="store_true", help="serve the stub on --port instead")
    parser.add_argument("--path", default="/")
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--taps", type=int, help="closed loop: requests in all")
    parser.add_argument("--rate", type=float, help="open loop: requests per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--body", default="{}")
    parser.add_argument("--header", action="append", default=[])
    args = parser.parse_args()
    if args.stub:
        http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Stub).serve_forever()
    if (args.taps is None) == (args.rate is None):
        parser.error("give --taps (closed loop) or --rate (open loop)")
    json.dump(run(args), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
