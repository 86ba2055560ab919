"""`headoffice ingest`'s output: each set's outcome the moment it is known.

A line per set, printed as soon as the set is committed (or refused), so that a
run the database breaks off has already listed every set it finished. In a
terminal, a run of many sets also shows a progress bar (rich) under those lines;
elsewhere (a log, a pipe, cron) the lines are all there is. Refusals go to
standard error when there is no bar.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TYPE_CHECKING

import click

from pos_plugin.headoffice.ingest import Outcome

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

BAR_FROM_SETS = 10  # fewer sets than this finish before a bar would be worth drawing


def line(outcome: Outcome) -> str:
    told = f"{outcome.path.name}: {outcome.message}"
    return f"REFUSED {told}" if outcome.refused else told


class OutcomePrinter:
    """`with OutcomePrinter(total, console) as printer: printer.print(outcome)`; a console
    (a terminal's) draws the bar, None prints plain lines."""

    def __init__(self, total: int, console: Console | None) -> None:
        self.total = total
        self._console = console if total >= BAR_FROM_SETS else None
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> OutcomePrinter:
        if self._console is not None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

            self._progress = Progress(
                "Ingesting",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=self._console,
            )
            self._progress.start()
            self._task = self._progress.add_task("sets", total=self.total)
        return self

    def print(self, outcome: Outcome) -> None:
        if self._progress is None:
            click.echo(line(outcome), err=outcome.refused)
            return
        # soft_wrap: a long line is left to the terminal to wrap, whole, never cut by rich
        self._progress.console.print(line(outcome), markup=False, highlight=False, soft_wrap=True)
        assert self._task is not None
        self._progress.advance(self._task)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()


def terminal_console() -> Console | None:
    """A console for the bar when standard output is a terminal; None otherwise."""
    if not sys.stdout.isatty():
        return None
    from rich.console import Console

    return Console()
