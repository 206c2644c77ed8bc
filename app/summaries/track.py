"""Mark what a write touched (session events, or a call beside a Core statement); recount it before commit."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, event, insert, or_, select, true, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, attributes

from app.models import (
    Application,
    Physician,
    PracticeRegistration,
    Qualification,
    SummaryApplicationKey,
    SummaryMember,
    SummaryQualified,
    WorkdayEntry,
    WorkdayYear,
)
from app.summaries import applications as dashboard
from app.summaries.members import KEYS, MEMBER_COLUMNS, SUMS, funnel_table, member_rows, stored_members

CHUNK = 2000  # physicians recounted per statement
INFO_KEY = "summaries.touched"


@dataclass
class Touched:
    """What the session's transaction changed and has not recounted yet."""

    physicians: set[int] = field(default_factory=set)
    people: set[str] = field(default_factory=set)  # ID numbers of changed qualifications (any ID type)
    qualified: Counter = field(default_factory=Counter)  # (exam_year, province_code) -> change in count
    applications: set[int] = field(default_factory=set)
    registrations: set[int] = field(default_factory=set)  # their category is the applications' category
    calendar_years: set[int] = field(default_factory=set)  # working days of the stages in these years changed


def _touched(session: Session) -> Touched:
    return session.info.setdefault(INFO_KEY, Touched())


def touch_physicians(session: Session, ids: Iterable[int]) -> None:
    """Mark physicians whose rows or first registrations a Core statement changed."""
    _touched(session).physicians.update(i for i in ids if i is not None)


def touch_applications(session: Session, ids: Iterable[int]) -> None:
    """Mark applications a Core statement changed (the dashboard's counts)."""
    _touched(session).applications.update(i for i in ids if i is not None)


def touch_qualifications(session: Session, removed: Iterable[dict], added: Iterable[dict]) -> None:
    """Mark qualifications a Core statement removed or added (an update is both): dicts of their columns."""
    touched = _touched(session)
    for sign, rows in ((-1, removed), (1, added)):
        for row in rows:
            touched.qualified[(row["exam_year"], row["province_code"])] += sign
            touched.people.add(row["id_number"])


def _values(obj, name: str) -> tuple[list, list]:
    """Return (values before the flush, values after it) of an attribute, without loading anything."""
    history = attributes.get_history(obj, name, passive=attributes.PASSIVE_NO_INITIALIZE)
    kept = list(history.unchanged or ())
    return list(history.deleted or ()) + kept, list(history.added or ()) + kept


def _qualification(obj: Qualification) -> tuple[list[dict], list[dict]]:
    """Return the qualification as it was and as it is (one dict each, or none when unknown)."""
    names = ("exam_year", "province_code", "id_number")
    pairs = {n: _values(obj, n) for n in names}
    before = {n: pairs[n][0][0] for n in names if pairs[n][0]}
    after = {n: pairs[n][1][0] for n in names if pairs[n][1]}
    return ([before] if len(before) == len(names) else []), ([after] if len(after) == len(names) else [])


def _after_flush(session: Session, _context) -> None:
    for state, objects in (("new", session.new), ("dirty", session.dirty), ("deleted", session.deleted)):
        for obj in objects:
            if isinstance(obj, Physician):
                touch_physicians(session, [attributes.instance_state(obj).dict.get("id")])
            elif isinstance(obj, Application):
                before, after = _values(obj, "physician_id")
                touch_physicians(session, before + after)
                touch_applications(session, [attributes.instance_state(obj).dict.get("id")])
            elif isinstance(obj, PracticeRegistration):
                _touched(session).registrations.add(attributes.instance_state(obj).dict.get("id"))
            elif isinstance(obj, WorkdayEntry | WorkdayYear):
                before, after = _values(obj, "day" if isinstance(obj, WorkdayEntry) else "year")
                _touched(session).calendar_years.update(v if isinstance(v, int) else v.year for v in before + after)
            elif isinstance(obj, Qualification):
                if state == "dirty" and not session.is_modified(obj):
                    continue
                before, after = _qualification(obj)
                touch_qualifications(session, before if state != "new" else [], after if state != "deleted" else [])


def _before_commit(session: Session) -> None:
    if INFO_KEY not in session.info:
        return
    session.flush()
    refresh(session)


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended: committed (recounted) or rolled back
        session.info.pop(INFO_KEY, None)


def install() -> None:
    """Listen to every session (idempotent)."""
    for name, listener in (("after_flush", _after_flush), ("before_commit", _before_commit),
                           ("after_transaction_end", _after_transaction_end)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def _insert(session: Session, table):
    return (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert(table)


def add_counts(session: Session, table, keys: tuple[str, ...], rows: list[dict]) -> None:
    """Add each row's numbers to the stored ones (upsert ``n = n + delta``, keys in one order)."""
    rows = sorted(rows, key=lambda r: tuple(r[k] for k in keys))
    for start in range(0, len(rows), 1000):
        statement = _insert(session, table).values(rows[start:start + 1000])
        sums = [c.name for c in table.columns if c.name not in keys]
        session.execute(statement.on_conflict_do_update(
            index_elements=list(keys), set_={name: table.c[name] + statement.excluded[name] for name in sums}))


def _tally(net: Counter, rows, sign: int) -> None:
    for row in rows:
        for name in SUMS:
            net[(tuple(row[:4]), name)] += sign * int(getattr(row, name) or 0)


def _recount(session: Session, ids: list[int]) -> None:
    """Replace the members of ``ids`` by their current rows and add the difference to summary_funnel."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Physician.id).where(Physician.id.in_(ids)).order_by(Physician.id).with_for_update())
    member = SummaryMember.__table__
    mine = member.c.physician_id.in_(ids)
    net: Counter = Counter()
    _tally(net, session.execute(stored_members(mine)), -1)
    session.execute(delete(member).where(mine))
    session.execute(insert(member).from_select(MEMBER_COLUMNS, member_rows(Physician.id.in_(ids))))
    _tally(net, session.execute(stored_members(mine)), 1)
    groups = sorted({key for key, _name in net})
    changes = [dict(zip(KEYS, key, strict=True)) | {name: net[(key, name)] for name in SUMS} for key in groups]
    changes = [c for c in changes if any(c[name] for name in SUMS)]
    if not changes:
        return
    table = funnel_table()
    add_counts(session, table, KEYS, changes)
    emptied = [tuple(c[k] for k in KEYS) for c in changes if c["physicians"] < 0]
    if emptied:
        session.execute(delete(table).where(tuple_(*(table.c[k] for k in KEYS)).in_(emptied), table.c.physicians == 0))


def refresh(session: Session) -> None:
    """Recount what the transaction touched (set-based, a constant number of statements per 2,000 physicians)."""
    touched: Touched | None = session.info.pop(INFO_KEY, None)
    if touched is None:
        return
    ids = set(touched.physicians)
    people = sorted(touched.people)
    for start in range(0, len(people), CHUNK):
        ids.update(session.scalars(select(Physician.id).where(Physician.id_number.in_(people[start:start + CHUNK]))))
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        _recount(session, ordered[start:start + CHUNK])
    _refresh_applications(session, touched)
    changes = [{"exam_year": y, "province_code": p, "qualifications": n}
               for (y, p), n in touched.qualified.items() if n]
    if changes:
        table = SummaryQualified.__table__
        add_counts(session, table, ("exam_year", "province_code"), changes)
        session.execute(delete(table).where(table.c.qualifications == 0))


def add_counts_from(session: Session, table, keys: tuple[str, ...], statement) -> None:
    """Add the rows of a select (keys, then the numbers) to the stored ones, in one upsert."""
    names = [c.name for c in table.columns]
    rows = statement.subquery()
    insert_ = _insert(session, table).from_select(names, select(rows).where(true()))
    session.execute(insert_.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: table.c[name] + insert_.excluded[name] for name in names if name not in keys}))


def _recount_applications(session: Session, ids: list[int]) -> None:
    """Replace the dashboard keys of ``ids`` by their current ones and add the difference to the counts."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Application.id).where(Application.id.in_(ids)).order_by(Application.id)
                        .with_for_update())
    keys = SummaryApplicationKey.__table__
    mine = keys.c.application_id.in_(ids)
    table = dashboard.counts_table()
    pk = tuple(c.name for c in table.primary_key.columns)
    add_counts_from(session, table, pk, dashboard.counts_of(session, select(keys).where(mine).subquery(), -1))
    session.execute(delete(keys).where(mine))
    dashboard.write_keys(session, Application.id.in_(ids))
    add_counts_from(session, table, pk, dashboard.counts_of(session, select(keys).where(mine).subquery(), 1))


def _refresh_applications(session: Session, touched: Touched) -> None:
    ids = set(touched.applications)
    registrations = sorted(i for i in touched.registrations if i is not None)
    for start in range(0, len(registrations), CHUNK):
        ids.update(session.scalars(select(Application.id).where(
            Application.registration_id.in_(registrations[start:start + CHUNK]))))
    if touched.calendar_years:
        first = dt.datetime(min(touched.calendar_years) - 1, 12, 31)
        last = dt.datetime(max(touched.calendar_years) + 1, 1, 1)
        ends = (Application.confirmed_at, Application.accepted_at, Application.decided_at)
        ids.update(session.scalars(select(Application.id).where(  # a stage overlapping the changed years
            Application.submitted_at <= last, or_(*(end >= first for end in ends)))))
    ordered = sorted(i for i in ids if i is not None)
    for start in range(0, len(ordered), CHUNK):
        _recount_applications(session, ordered[start:start + CHUNK])
