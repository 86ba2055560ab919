"""The cut finder finds a receipt's paper cut where the printer would, however the bytes arrive."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from pos_plugin.passthrough.cuts import Cut, CutFinder, without_cuts

from .receipts import LOGO_AND_BARCODE, NO_CUT, QR_AND_CUT, WITH_CUTS

STREAM = b"".join(r.data for r in (*WITH_CUTS, NO_CUT))


def read(chunks: list[bytes]) -> tuple[bytes, list[Cut]]:
    finder = CutFinder()
    pieces = [piece for chunk in chunks for piece in finder.feed(chunk)]
    passed = b"".join(p.command if isinstance(p, Cut) else p for p in pieces) + finder.flush()
    return passed, [p for p in pieces if isinstance(p, Cut)]


def test_each_receipt_ends_at_its_own_cut_with_its_text():
    passed, cuts = read([STREAM])

    assert passed == STREAM
    assert [c.command for c in cuts] == [r.cut for r in WITH_CUTS]
    assert b"Order: A-12" in cuts[0].text
    assert b"order B-7" in cuts[1].text
    assert b"ORDER C-3" in cuts[2].text
    assert b"A-12" not in cuts[2].text


def test_cut_bytes_inside_a_logo_a_barcode_or_a_qr_code_are_not_cuts():
    _, cuts = read([LOGO_AND_BARCODE.data, QR_AND_CUT.data])

    assert [c.command for c in cuts] == [LOGO_AND_BARCODE.cut, QR_AND_CUT.cut]
    assert b"\x1bi" not in cuts[0].text  # the logo's dots are not text


@given(st.lists(st.integers(min_value=1, max_value=len(STREAM) - 1), max_size=40))
def test_however_the_stream_is_split_the_same_bytes_pass_with_the_same_cuts(splits):
    bounds = [0, *sorted(set(splits)), len(STREAM)]
    chunks = [STREAM[a:b] for a, b in itertools.pairwise(bounds)]

    assert read(chunks) == read([STREAM])


def test_a_cut_squaring_the_paper_at_the_start_ends_no_receipt():
    _, cuts = read([b"\x1b@\x1bd\x03\x1dV\x00" + NO_CUT.data + b"\x1dV\x00"])

    assert [c.ends_a_receipt for c in cuts] == [False, True]


def test_after_a_command_of_unknown_length_the_rest_passes_unread():
    stream = b"\x1b&\x03\x20\x20\x0c" + b"\x1dV\x00" * 3 + b"text\x1dVA\x00"

    passed, cuts = read([stream])

    assert (passed, cuts) == (stream, [])


def test_the_start_of_a_command_is_held_until_its_end_comes_or_is_let_go():
    finder = CutFinder()

    assert finder.feed(b"total\n\x1d") == [b"total\n"]
    assert finder.holding
    assert finder.feed(b"V") == []
    assert finder.feed(b"\x00more") == [Cut(b"\x1dV\x00", b"total\n"), b"more"]
    assert finder.feed(b"\x10\x04") == []
    assert finder.flush() == b"\x10\x04"


def test_a_note_loses_only_its_cut():
    note = b"\x1b@hello\n\x1bd\x06\x1dV\x00"

    assert without_cuts(note) == b"\x1b@hello\n\x1bd\x06"
