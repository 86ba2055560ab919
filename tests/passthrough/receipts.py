"""Receipts as tills send them to a network printer (ESC/POS), one of each shape we meet.

Each holds the bytes of one receipt, from the till's first byte to its last,
and names its paper cut; `NO_CUT` has none.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Receipt:
    name: str
    data: bytes
    cut: bytes

    @property
    def body(self) -> bytes:
        """Everything before the cut."""
        assert self.cut
        assert self.data.endswith(self.cut)
        return self.data[: -len(self.cut)]


def _qr(text: bytes) -> bytes:
    """A native QR code: model, size, store the data (GS ( k), print it."""
    store = b"\x31\x50\x30" + text
    return (
        b"\x1d(k\x04\x00\x31\x41\x32\x00"
        + b"\x1d(k\x03\x00\x31\x43\x06"
        + b"\x1d(k"
        + len(store).to_bytes(2, "little")
        + store
        + b"\x1d(k\x03\x00\x31\x51\x30"
    )


# A till that feeds and cuts in one command (GS V 65 n), with styles and a code page.
FEED_AND_CUT = Receipt(
    "feed-and-cut",
    b"\x1b@\x1bt\x10\x1ba\x01\x1b!\x30BEAN THERE\n\x1b!\x00"
    b"12 High Street\n\x1ba\x00"
    b"--------------------------------\n"
    b"Order: A-12          24/11 10:02\n"
    b"Flat white                  3.20\n"
    b"Croissant                   2.40\n"
    b"\x1bE\x01TOTAL                  EUR 5.60\n\x1bE\x00"
    b"Card                        5.60\n"
    b"\x1ba\x01Thank you!\n"
    b"\x1dVA\x03",
    b"\x1dVA\x03",
)

# A logo as a raster image whose dots spell GS V 0 and ESC i, a barcode, then ESC i.
LOGO_AND_BARCODE = Receipt(
    "logo-and-barcode",
    b"\x1b@\x1ba\x01THE TEA ROOM\n"
    b"\x1dv0\x00\x03\x00\x02\x00" + b"\x1dV\x00\x1bi\xff" + b"\n"
    b"\x1ba\x00Table 4 / order B-7\n"
    b"Tea                         2.10\n"
    b"Scone                       2.00\n"
    b"TOTAL                   EUR 4.10\n"
    b"\x1dh\x50\x1dw\x02\x1dk\x04B-7\x00\n"
    b"\x1bd\x04"
    b"\x1bi",
    b"\x1bi",
)

# A QR code whose data holds GS V 1, a paper feed, then a partial cut (GS V 1).
QR_AND_CUT = Receipt(
    "qr-and-cut",
    b"\x1b@"
    b"ORDER C-3\n"
    b"Hot chocolate               3.00\n"
    b"Rate us:\n" + _qr(b"https://r.example/?o=C-3&x=\x1dV1") + b"\n"
    b"\x1bd\x05\x1dV\x01",
    b"\x1dV\x01",
)

# A docket for the kitchen that never cuts: the next one follows on the same paper.
NO_CUT = Receipt(
    "no-cut",
    b"\x1b@\x1b!\x10KITCHEN D-9\n\x1b!\x001 x toastie\n\x1bd\x03",
    b"",
)

WITH_CUTS = (FEED_AND_CUT, LOGO_AND_BARCODE, QR_AND_CUT)
