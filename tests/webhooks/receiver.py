"""A webhook receiver for tests: a real HTTP server on loopback that records what it is sent.

`answers` is the status codes to give, in order (then 200 for ever); `hang` makes
it hold every request unanswered until `release` is set, as a receiver that
never answers does.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Seen:
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def event(self) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(self.body)
        return found

    def line(self) -> str:
        event = self.event
        subject = event["data"].get("id", event["data"].get("business_date"))
        return (
            f"{self.status} webhook-id={self.headers['webhook-id']} {event['type']} "
            f"data.id={subject}"
        )


@dataclass
class Receiver:
    answers: list[int] = field(default_factory=list)
    hang: bool = False
    seen: list[Seen] = field(default_factory=list)
    got_request: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.got_request.set()
                if receiver.hang:
                    receiver.release.wait(60)
                status = receiver.answers.pop(0) if receiver.answers else 200
                receiver.seen.append(Seen(dict(self.headers.items()), body, status))
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"thanks" if status < 300 else b"try again later")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def delivered(self) -> list[Seen]:
        return [s for s in self.seen if 200 <= s.status < 300]

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
