"""Start-up with the cyclic garbage collector paused: what start-up builds is kept for good."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def kept_for_good() -> Iterator[None]:
    """Run the block with the cyclic garbage collector off, then freeze what it made.

    Importing the stack and building the app make some 90,000 objects (modules, routes,
    schemas, mappers) that live as long as the process. The collector walked them over
    and over while they were made, a tenth of `serve`'s start-up, and its full passes
    went on walking them after (measured). Frozen, it never walks them again; turning it
    back on without freezing costs more than leaving it on, as the young objects are
    then walked all at once, twice. Cycles the block left behind are never collected:
    only use it where nothing made is thrown away.
    """
    if not gc.isenabled():  # nested, or paused by the caller: theirs to turn back on
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
