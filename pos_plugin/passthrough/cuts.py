"""Finding the paper cuts in a till's ESC/POS byte stream, and the receipt's text before each.

Only as much of ESC/POS is read as finding a cut where the printer would find it
needs: each command's parameters, and an image's or barcode's data, are stepped
over, so bytes that happen to spell GS V inside a logo are never taken for a cut.
A command whose length cannot be known from its first bytes (user-defined
characters, old NV images) leaves the rest of the connection unread: it passes
as it is, and no note joins it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DLE, ESC, FS, GS = 0x10, 0x1B, 0x1C, 0x1D
_COMMAND = re.compile(rb"[\x10\x1b\x1c\x1d]")
# Enough of a receipt's text to find its order number in.
TEXT_KEPT = 16 * 1024
# A NUL-terminated parameter longer than this is not one.
_LONGEST_TERMINATED = 256

# Parameter bytes after ESC x, GS x, FS x; a command not listed takes none.
_ESC_PARAMS = {c: n for n, cs in ((1, b" !%-3=?EGJKMRTUVadertu{"), (2, b"$\\cf"), (3, b"p"),
                                  (8, b"W")) for c in cs}  # fmt: skip
_GS_PARAMS = {c: n for n, cs in ((1, b"!/BEHITabfhjrw"), (2, b"$LPW\\"), (3, b"^"), (4, b"g"))
              for c in cs}  # fmt: skip
_FS_PARAMS = {c: n for n, cs in ((1, b"!-CW"), (2, b"Sp")) for c in cs}
_DLE_DC4_PARAMS = {1: 3, 2: 3, 7: 2, 8: 8}
_FULL_CUTS, _FEED_CUTS = (0, 1, 48, 49), (65, 66, 97, 98, 103, 104)


@dataclass(frozen=True)
class Cut:
    """A paper cut command, and the printable text of the receipt it ends."""

    command: bytes
    text: bytes

    @property
    def ends_a_receipt(self) -> bool:
        """Something was printed since the last cut (not a cut to square the paper)."""
        return any(byte > 0x20 for byte in self.text)


class _Unreadable(Exception):
    pass


def _block(buf: bytes, i: int, n: int) -> tuple[int, int, bool] | None:
    """ESC/GS/FS ( fn pL pH, then pL + 256 pH bytes of data."""
    return (5, buf[i + 3] + 256 * buf[i + 4], False) if n >= 5 else None


def _terminated(buf: bytes, i: int, start: int) -> tuple[int, int, bool] | None:
    end = buf.find(b"\x00", i + start, i + start + _LONGEST_TERMINATED)
    if end >= 0:
        return (end + 1 - i, 0, False)
    if len(buf) - i >= start + _LONGEST_TERMINATED:
        raise _Unreadable
    return None


def _measure(buf: bytes, i: int) -> tuple[int, int, bool] | None:
    """The command at buf[i]: (its bytes, data bytes after them, whether it cuts).

    None when the buffer ends before the command does.
    """
    n = len(buf) - i
    if n < 2:
        return None
    lead, code = buf[i], buf[i + 1]
    params = 0
    if lead == DLE:
        if code == 0x14:  # DLE DC4 fn ...
            if n < 3:
                return None
            if buf[i + 2] not in _DLE_DC4_PARAMS:
                raise _Unreadable
            params = _DLE_DC4_PARAMS[buf[i + 2]]
        elif code in (0x04, 0x05):  # DLE EOT n, DLE ENQ n: real-time status and requests
            params = 1
        else:
            return (1, 0, False)  # a DLE that starts no command
    elif lead == ESC:
        if code in b"im":
            return (2, 0, True)
        if code == ord("*"):  # ESC * m nL nH, then one or three bytes a column of dots
            if n < 5:
                return None
            columns = buf[i + 3] + 256 * buf[i + 4]
            return (5, columns * (3 if buf[i + 2] in (32, 33) else 1), False)
        if code == ord("("):
            return _block(buf, i, n)
        if code == ord("D"):  # tab stops, NUL-terminated
            return _terminated(buf, i, 2)
        if code == ord("&"):
            raise _Unreadable
        params = _ESC_PARAMS.get(code, 0)
    elif lead == GS:
        if code == ord("V"):
            if n < 3:
                return None
            if buf[i + 2] in _FULL_CUTS:
                return (3, 0, True)
            if buf[i + 2] in _FEED_CUTS:
                return (4, 0, True) if n >= 4 else None
            raise _Unreadable
        if code == ord("("):
            return _block(buf, i, n)
        if code == ord("v"):  # GS v 0 m xL xH yL yH, then x * y bytes of raster
            if n < 8:
                return None
            return (8, (buf[i + 4] + 256 * buf[i + 5]) * (buf[i + 6] + 256 * buf[i + 7]), False)
        if code == ord("*"):  # GS * x y, then 8 x y bytes
            return (4, 8 * buf[i + 2] * buf[i + 3], False) if n >= 4 else None
        if code == ord("8"):  # GS 8 L p1 p2 p3 p4, then a 32-bit length of data
            if n < 7:
                return None
            if buf[i + 2] != ord("L"):
                raise _Unreadable
            return (7, int.from_bytes(buf[i + 3 : i + 7], "little"), False)
        if code == ord("k"):  # a barcode: NUL-terminated (m 0-6) or n bytes long
            if n < 4:
                return None
            if buf[i + 2] <= 6:
                return _terminated(buf, i, 3)
            return (4, buf[i + 3], False)
        if code in b"DQ":
            raise _Unreadable
        params = _GS_PARAMS.get(code, 0)
    else:
        if code == ord("("):
            return _block(buf, i, n)
        if code in b"q2g":
            raise _Unreadable
        params = _FS_PARAMS.get(code, 0)
    return (2 + params, 0, False) if n >= 2 + params else None


class CutFinder:
    """Reads one connection's bytes as they come; `feed` splits them at each paper cut.

    The start of a command whose end has not come yet is held back (`holding`)
    until the next bytes; `flush` lets it go on as it is.
    """

    def __init__(self) -> None:
        self._held = b""
        self._data_left = 0
        self._text = bytearray()
        self.unreadable = False

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def feed(self, chunk: bytes) -> list[bytes | Cut]:
        """`chunk` again, in order, as runs of bytes and the cuts between them."""
        buf, self._held = self._held + chunk, b""
        out: list[bytes | Cut] = []
        start = i = 0
        while i < len(buf) and not self.unreadable:
            if self._data_left:
                step = min(self._data_left, len(buf) - i)
                self._data_left -= step
                i += step
                continue
            found = _COMMAND.search(buf, i)
            end = found.start() if found else len(buf)
            self._keep_text(buf[i:end])
            i = end
            if found is None:
                break
            try:
                measured = _measure(buf, i)
            except _Unreadable:
                self.unreadable = True
                break
            if measured is None:
                buf, self._held = buf[:i], buf[i:]
                break
            size, self._data_left, cuts = measured
            if cuts:
                if i > start:
                    out.append(buf[start:i])
                out.append(Cut(buf[i : i + size], bytes(self._text)))
                self._text.clear()
                start = i + size
            i += size
        if start < len(buf):
            out.append(buf[start:])
        return out

    def flush(self) -> bytes:
        """Stop waiting for the rest of a held command: its bytes, to go on as they are."""
        held, self._held = self._held, b""
        return held

    def _keep_text(self, text: bytes) -> None:
        room = TEXT_KEPT - len(self._text)
        if room > 0:
            self._text += text[:room]


def without_cuts(job: bytes) -> bytes:
    """A whole job with its paper cuts taken out (a note that joins a receipt before its cut)."""
    finder = CutFinder()
    kept = [piece for piece in finder.feed(job) if isinstance(piece, bytes)]
    return b"".join(kept) + finder.flush()
