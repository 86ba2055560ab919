"""Moving bytes between the till and the real printer, with a note before a receipt's cut.

One asyncio loop, in a thread of `pos-plugin serve`, serves every till
connection: each gets a connection of its own to the printer, whose answers
(status bytes) go straight back to the till. The till's bytes go on as they
arrive; only the start of a command whose end has not come yet is held, for at
most `flush_after`, so a cut split across TCP segments is still found and a
status request is still answered at once. At a cut that ends a receipt, `claim`
is asked for a note, which is sent just before the cut.

When the printer cannot be reached, the till's connection is reset at once, so
the till's print fails as it would with the printer off.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass

from pos_plugin.passthrough.cuts import Cut, CutFinder, without_cuts
from pos_plugin.passthrough.notes import Claimed

log = logging.getLogger(__name__)

READ_SIZE = 64 * 1024
Claim = Callable[[bytes], Claimed | None]


@dataclass(frozen=True)
class Route:
    listen_host: str
    listen_port: int
    printer_host: str
    printer_port: int
    connect_timeout: float
    flush_after: float

    @property
    def printer(self) -> str:
        return f"{self.printer_host}:{self.printer_port}"


class Passthrough:
    """`start()` listens (OSError if it cannot) and serves in a thread until `stop()`."""

    def __init__(self, route: Route, claim: Claim) -> None:
        self.route = route
        self.claim = claim
        self.port = route.listen_port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        listening: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._thread = threading.Thread(
            target=self._run, args=(listening,), name="passthrough", daemon=True
        )
        self._thread.start()
        listening.result()
        log.info(
            "Receipt pass-through: tills print to %s:%s, passed on to the printer at %s",
            self.route.listen_host,
            self.port,
            self.route.printer,
        )

    def stop(self, timeout: float = 5.0) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or not thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self._close(), loop).result(timeout)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)

    def _run(self, listening: concurrent.futures.Future[None]) -> None:
        loop = self._loop = asyncio.new_event_loop()
        try:
            self._server = loop.run_until_complete(
                asyncio.start_server(self._serve_till, self.route.listen_host, self.port)
            )
        except OSError as error:
            loop.close()
            listening.set_exception(error)
            return
        self.port = int(self._server.sockets[0].getsockname()[1])
        listening.set_result(None)
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)

    async def _serve_till(self, till_r: asyncio.StreamReader, till_w: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        till = "{}:{}".format(*till_w.get_extra_info("peername")[:2])
        try:
            await self._pass_through(till, till_r, till_w)
        except asyncio.CancelledError:
            # `stop()`: end quietly (asyncio 3.11 logs a connection task that ends cancelled).
            pass
        finally:
            self._connections.discard(task)

    async def _pass_through(
        self, till: str, till_r: asyncio.StreamReader, till_w: asyncio.StreamWriter
    ) -> None:
        route = self.route
        try:
            printer_r, printer_w = await asyncio.wait_for(
                asyncio.open_connection(route.printer_host, route.printer_port),
                route.connect_timeout,
            )
        except OSError as error:  # TimeoutError too
            log.warning(
                "till %s: the printer at %s cannot be reached (%s); the till's print fails",
                till,
                route.printer,
                error.strerror or f"no answer within {route.connect_timeout:g} s",
            )
            _reset(till_w)
            return
        up = asyncio.create_task(self._till_to_printer(till, till_r, printer_w))
        down = asyncio.create_task(_pass_back(printer_r, till_w))
        try:
            done, _ = await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
            if up in done and not down.done():
                # The till has said all it will: the printer may still answer it.
                if printer_w.can_write_eof():
                    printer_w.write_eof()
                await asyncio.wait({down}, timeout=route.connect_timeout)
        finally:
            for pump in (up, down):
                pump.cancel()
            await asyncio.gather(up, down, return_exceptions=True)
            printer_w.close()
            till_w.close()

    async def _till_to_printer(
        self, till: str, till_r: asyncio.StreamReader, printer_w: asyncio.StreamWriter
    ) -> None:
        finder = CutFinder()
        try:
            while True:
                # A held command start waits only so long for its end.
                wait = self.route.flush_after if finder.holding else None
                try:
                    chunk = await asyncio.wait_for(till_r.read(READ_SIZE), wait)
                except TimeoutError:
                    printer_w.write(finder.flush())
                    continue
                if not chunk:
                    printer_w.write(finder.flush())
                    await printer_w.drain()
                    return
                for piece in finder.feed(chunk):
                    if isinstance(piece, Cut):
                        await self._add_note(till, piece, printer_w)
                        printer_w.write(piece.command)
                    else:
                        printer_w.write(piece)
                await printer_w.drain()
        except OSError as error:
            log.info("till %s: connection ended (%s)", till, error.strerror or error)

    async def _add_note(self, till: str, cut: Cut, printer_w: asyncio.StreamWriter) -> None:
        if not cut.ends_a_receipt:
            return
        try:
            claimed = await asyncio.to_thread(self.claim, cut.text)
        except Exception:  # the receipt itself must print whatever went wrong with the note
            log.exception("till %s: a receipt printed without a note: the lookup failed", till)
            return
        if claimed is None:
            return
        printer_w.write(without_cuts(claimed.note))
        how = f"its order_ref {claimed.order_ref!r}" if claimed.by_order_ref else "oldest waiting"
        log.info(
            "till %s: added the note of comp %s (print job %s, %s) before the receipt's cut",
            till,
            claimed.comp_id,
            claimed.job_id,
            how,
        )


async def _pass_back(printer_r: asyncio.StreamReader, till_w: asyncio.StreamWriter) -> None:
    """The printer's answers, to the till as they come."""
    try:
        while chunk := await printer_r.read(READ_SIZE):
            till_w.write(chunk)
            await till_w.drain()
    except OSError:
        return


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset, as a port nothing listens on answers."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
