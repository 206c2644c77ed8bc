"""Which keys a file has already shown, in a scratch SQLite file on disk, so memory stays flat.

A 500,000-row file would need ~60 MB for a Python dict of its certificate numbers; the scratch
table needs a bounded page cache instead. Keys are checked a batch at a time.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterable
from pathlib import Path

_CHUNK = 900  # host parameters per SELECT


class SeenKeys:
    """Remember the first row of each key; ``first_rows`` answers a batch at once."""

    def __init__(self, cache_kib: int = 8192) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="import-keys-")
        self._db = sqlite3.connect(Path(self._dir.name) / "seen.db", isolation_level=None)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", f"cache_size=-{cache_kib}", "temp_store=FILE"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute("CREATE TABLE seen (key TEXT PRIMARY KEY, row INTEGER NOT NULL) WITHOUT ROWID")

    def first_rows(self, batch: Iterable[tuple[str, int]]) -> dict[int, int]:
        """Record a batch of (key, row), in row order; return {row: first row} for each repeat."""
        pairs = list(batch)
        earlier: dict[str, int] = {}
        keys = list(dict.fromkeys(key for key, _row in pairs))
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start:start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            earlier.update(self._db.execute(f"SELECT key, row FROM seen WHERE key IN ({marks})", chunk))
        repeats: dict[int, int] = {}
        new: list[tuple[str, int]] = []
        for key, row in pairs:
            first = earlier.setdefault(key, row)
            if first != row:
                repeats[row] = first
            else:
                new.append((key, row))
        self._db.execute("BEGIN")
        self._db.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?)", new)
        self._db.execute("COMMIT")
        return repeats

    def close(self) -> None:
        """Drop the scratch file."""
        self._db.close()
        self._dir.cleanup()

    def __enter__(self) -> SeenKeys:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
