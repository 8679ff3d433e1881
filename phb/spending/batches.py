"""Statement lines a batch at a time, column by column: how the importer reads a file.

A million-line import cannot afford Python bytecode per line for work the C library can do: ``map`` of a builtin
over a list calls it with no Python frame per item. So the importer reads a :class:`Batch` of up to a few
thousand lines at a time, the fields of :class:`~phb.spending.statements.ParsedLine` as parallel lists, and
works on whole columns (``phb.spending.importer``).

A CSV batch takes the fast path when every row in it has the common shape: one record per physical line, all the
fields, a description of at most 300 characters, an amount like ``-12.34``, a balance like it, an MCC of four
digits or none, and dates the profile can parse. Anything else (a blank line, ``£12.00``, ``12.00 DR``, paid in and
paid out columns, a malformed line) sends that batch row by row through
:meth:`~phb.spending.statements.CsvLayout.parse`: the same lines come out, and a malformed line is named exactly
as it always was.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import operator
import re
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import IO, NamedTuple

from phb.spending.exceptions import MalformedStatement, unreadable_csv
from phb.spending.statements import (
    DATE_CACHE,
    MAX_DESCRIPTION,
    PROFILES,
    CsvLayout,
    ParsedLine,
    StatementSummary,
    parse_date,
    read_ofx,
)

OFX = "ofx"
# Whole columns are checked by one regular expression over the column's cells joined by newlines (a cell of a
# one-line record holds no newline), then converted by one split: no call per cell for either.
_PLAIN_MONEY_COLUMN = re.compile(r"-?[0-9]+\.[0-9]{2}(?:\n-?[0-9]+\.[0-9]{2})*")
_MCC_COLUMN = re.compile(r"(?:[0-9]{4})?(?:\n(?:[0-9]{4})?)*")


class Batch(NamedTuple):
    """Consecutive statement lines, column by column (the fields of ``ParsedLine``, in file order)."""

    line_numbers: Sequence[int]
    dates: Sequence[dt.date]
    descriptions: Sequence[str]
    amounts: Sequence[int]  # pence, negative for money out
    balances: Sequence[int | None]
    mccs: Sequence[str | None]

    @classmethod
    def of(cls, lines: Sequence[ParsedLine]) -> Batch:
        """The columns of lines read one at a time."""
        numbers, dates, descriptions, amounts, balances, mccs, _ids = zip(*lines, strict=True)
        return cls(numbers, dates, descriptions, amounts, balances, mccs)

    def line(self, i: int) -> ParsedLine:
        """Line ``i`` of the batch (for the rare line that needs looking at alone)."""
        return ParsedLine(
            self.line_numbers[i], self.dates[i], self.descriptions[i], self.amounts[i], self.balances[i], self.mccs[i]
        )


def _spans(row: list[str]) -> int:
    """Physical lines a record took: one, plus the line breaks inside its quoted fields."""
    return 1 + sum(cell.count("\n") + cell.count("\r") - cell.count("\r\n") for cell in row)


class _CsvBatches:
    """The rows of one CSV file, a batch at a time (see the module docstring)."""

    def __init__(self, layout: CsvLayout, reader: Iterator[list[str]], size: int) -> None:
        self.layout, self.reader, self.size = layout, reader, size
        self.fast = layout.amount_i is not None and len(layout.desc_is) == 1

    def __iter__(self) -> Iterator[Batch]:
        reader, size = self.reader, self.size
        while True:
            start = reader.line_num  # type: ignore[attr-defined]
            rows = list(islice(reader, size))
            if not rows:
                return
            batch = None
            if self.fast and reader.line_num - start == len(rows):  # type: ignore[attr-defined]
                batch = self._columns(rows, start)
            if batch is None:
                batch = self._one_by_one(rows, start)
            if batch is not None:
                yield batch

    def _one_by_one(self, rows: list[list[str]], start: int) -> Batch | None:
        lines, number = [], start
        for row in rows:
            number += _spans(row)
            line = self.layout.parse(row, number)
            if line is not None:
                lines.append(line)
        return Batch.of(lines) if lines else None

    def _columns(self, rows: list[list[str]], start: int) -> Batch | None:
        """The batch by whole columns, or ``None`` if any row is not of the common shape."""
        layout, n = self.layout, len(rows)
        if min(map(len, rows)) < layout.width:
            return None
        descriptions = list(map(str.strip, map(operator.itemgetter(layout.desc_is[0]), rows)))
        if not all(descriptions) or max(map(len, descriptions)) > MAX_DESCRIPTION or "\x00" in "".join(descriptions):
            return None  # the line-by-line path names the line at fault
        amounts = _pence(rows, layout.amount_i)
        balances = [None] * n if layout.balance_i is None else _pence(rows, layout.balance_i)
        mccs = [None] * n if layout.mcc_i is None else _mccs(rows, layout.mcc_i)
        dates = self._dates(rows)
        if amounts is None or balances is None or mccs is None or dates is None:
            return None
        if layout.positive_out:
            amounts = list(map(operator.neg, amounts))
        return Batch(range(start + 1, start + n + 1), dates, descriptions, amounts, balances, mccs)

    def _dates(self, rows: list[list[str]]) -> list[dt.date] | None:
        layout = self.layout
        raw = list(map(operator.itemgetter(layout.date_i), rows))
        known, needed = layout.dates, set(raw)
        new = needed.difference(known)
        if len(known) + len(new) > DATE_CACHE:  # the cache is bounded: start afresh with this batch's dates
            known.clear()
            new = needed
        for value in new:
            try:
                known[value] = parse_date(value, layout.profile.date_format, 0)
            except MalformedStatement:
                return None  # row by row names the line
        return list(map(known.__getitem__, raw))


def _pence(rows: list[list[str]], i: int | None) -> list[int] | None:
    """Column ``i`` in pence if every cell is like ``-12.34``."""
    column = "\n".join(map(operator.itemgetter(i), rows))
    if not _PLAIN_MONEY_COLUMN.fullmatch(column):
        return None
    return list(map(int, column.replace(".", "").split("\n")))


def _mccs(rows: list[list[str]], i: int) -> list[str | None] | None:
    """Column ``i`` as MCCs if every cell is four digits or empty."""
    column = "\n".join(map(operator.itemgetter(i), rows))
    if not _MCC_COLUMN.fullmatch(column):
        return None
    return [mcc or None for mcc in column.split("\n")]


def _ofx_batches(source: IO[bytes], summary: StatementSummary, size: int) -> Iterator[Batch]:
    lines = list(read_ofx(source, summary))  # ofxtools holds the whole (size-capped) document anyway
    for start in range(0, len(lines), size):
        yield Batch.of(lines[start : start + size])


def read_batches(source: IO[bytes], profile: str, summary: StatementSummary, size: int) -> Iterator[Batch]:
    """The lines of a statement file through ``profile`` (a CSV layout name or ``ofx``), ``size`` at a time.

    Raises:
        MalformedStatement: naming the line; lines before it may already have been yielded.
    """
    if profile == OFX:
        yield from _ofx_batches(source, summary, size)
        return
    chosen = PROFILES[profile]
    text = io.TextIOWrapper(source, encoding=chosen.encoding, newline="")
    reader = csv.reader(text, delimiter=chosen.delimiter)
    try:
        layout = CsvLayout.read_header(reader, chosen)
        yield from _CsvBatches(layout, reader, size)
    except csv.Error as exc:  # an upload error is the uploader's to fix: a 422 naming the line, never a 500
        raise unreadable_csv(reader.line_num, exc) from exc
    except UnicodeDecodeError as exc:
        raise MalformedStatement(
            1, f"the file is not {chosen.encoding} text as the {chosen.label} layout needs"
        ) from exc
    finally:
        text.detach()
