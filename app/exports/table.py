"""What a list exports: its title, its Chinese headers, how many rows, and the rows as the page shows them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.labels import EMPTY

CHUNK_ROWS = 500  # rows read from the database at a time


@dataclass
class ExportTable:
    """One list ready to be written: ``rows`` is lazy (nothing is read before the file is written)."""

    title: str
    headers: Sequence[str]
    count: int
    rows: Iterable[Sequence]
    filename: str = "export"  # ASCII stem of the downloaded file's name


def cell_text(value) -> str | int | float:
    """Return a cell as the file holds it: the page's text (a count stays a number), an empty cell (「--」) empty."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "" if text == EMPTY else text


def batched(items: Iterable, size: int = CHUNK_ROWS) -> Iterable[list]:
    """Yield lists of at most ``size`` items."""
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
