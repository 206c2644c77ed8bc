"""What every command shares: one refusal type, one message registry, one unit of work.

A command validates, changes rows, audits and notifies inside ``unit_of_work()``: it commits once
at the end or rolls back on any exception, so a refused command leaves the database unchanged.
What must survive that rollback (a wrong code attempt, a failed-password audit entry) is written
by ``side_transaction()`` on a connection of its own, committed at once.

Refusals raise ``CommandError(code, status, **params)`` (subclassed per package, e.g. AccountError);
its message comes from ``MESSAGES``, the one registry every package adds its codes to, so a code
reads the same on a page, in a flash, in the JSON API and in a test.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from app.domain.errors import RuleViolation
from app.extensions import db

MESSAGES: dict[str, Any] = {}
STATUSES: dict[str, int] = {}
DEFAULT_STATUS = 400
_DEPTH_KEY = "unit_of_work_depth"

F = TypeVar("F", bound=Callable[..., Any])


def register_messages(messages: Mapping[str, Any], statuses: Mapping[str, int] | None = None) -> None:
    """Add codes to the one registry; a code may be defined once only, with one text."""
    for code, text in messages.items():
        known = MESSAGES.get(code)
        if known is not None and getattr(known, "_args", known) != getattr(text, "_args", text):
            raise ValueError(f"message code {code!r} registered twice with different texts")
        MESSAGES[code] = text
    STATUSES.update(statuses or {})


def message_for(code: str, params: Mapping[str, Any] | None = None) -> str:
    """Return the translated message of ``code`` with its parameters filled in (the code if unknown)."""
    template = MESSAGES.get(code)
    if template is None:
        return code
    return str(template) % dict(params) if params else str(template)


class CommandError(Exception):
    """A refused command: ``code`` for machines, ``status`` for HTTP, ``message`` for people."""

    def __init__(self, code: str, status: int | None = None, /, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params
        self._status = status

    @property
    def status(self) -> int:
        """Return the HTTP status: the one given, else the code's registered one, else 400."""
        return self._status or STATUSES.get(self.code, DEFAULT_STATUS)

    @property
    def message(self) -> str:
        """Return the translated message, with its parameters filled in."""
        return message_for(self.code, self.params)

    @classmethod
    def from_rule(cls, violation: RuleViolation) -> CommandError:
        """Wrap a domain rule violation (same code, same parameters)."""
        return cls(violation.code, **violation.params)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.status}, **{self.params!r})"


@contextmanager
def unit_of_work(session: Session | None = None) -> Iterator[Session]:
    """Commit once when the outermost block ends; roll back on any exception (nested blocks join)."""
    session = session or db.session
    depth = session.info.get(_DEPTH_KEY, 0)
    session.info[_DEPTH_KEY] = depth + 1
    try:
        yield session
        if depth == 0:
            session.commit()
    except BaseException:
        if depth == 0:
            session.rollback()
        raise
    finally:
        session.info[_DEPTH_KEY] = depth


def command(func: F) -> F:
    """Run a function as one unit of work (see ``unit_of_work``)."""

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        with unit_of_work():
            return func(*args, **kwargs)

    return run  # type: ignore[return-value]


@contextmanager
def side_transaction() -> Iterator[Session]:
    """Open a short transaction on a connection of its own, committed when the block ends.

    Use it only for rows the command has not written itself (no lock is held on them).
    """
    with Session(db.engine, expire_on_commit=False) as session, session.begin():
        yield session
