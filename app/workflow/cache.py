"""A cache that lives for one workflow command: reference rows read once, not once per application.

``act_many`` approves hundreds of applications in one transaction; the calendar, the scopes, the
institutions and the reviewers to notify are the same for every row. ``call_cache`` opens the
cache on the session for the duration of one command (nested calls share it) and drops it at the
end, so nothing outlives the command; ``cached`` loads on a miss, and simply loads when no
command opened a cache. Cached ORM objects also stay strongly referenced, so the identity map
keeps them for the whole call.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.orm import Session

_KEY = "workflow_call_cache"
T = TypeVar("T")


@contextmanager
def call_cache(session: Session) -> Iterator[None]:
    """Open the per-command cache on ``session`` (a nested call joins the outer one)."""
    if _KEY in session.info:
        yield
        return
    session.info[_KEY] = {}
    try:
        yield
    finally:
        session.info.pop(_KEY, None)


def cached(session: Session, key: Hashable, load: Callable[[], T]) -> T:
    """Return the value under ``key``, loading it once per command."""
    store = session.info.get(_KEY)
    if store is None:
        return load()
    if key not in store:
        store[key] = load()
    return store[key]
