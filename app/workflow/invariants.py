"""Invariants of a whole registry database (SPEC §1, §3), checked set-wise in SQL.

Each rule is one SELECT that returns the ids (or labelled ids) of the rows breaking it; the check
counts them and keeps a few examples, in one statement per rule, so it runs in seconds at a
million physicians (joins, anti-joins and one window over the event log; no per-row Python). The
same SQL runs on SQLite and PostgreSQL. ``flask check-invariants`` prints the result and exits 1
when any rule fails.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from app.domain.enums import ApplicationStatus as S
from app.workflow.transitions import TRANSITIONS

CREATE = ("create", None, S.DRAFT)  # the event commands write before anything else


def allowed_steps() -> list[tuple[str, str | None, str]]:
    """Return every (action, from, to) an event may record: the table, implied steps split in two."""
    steps = [CREATE]
    for transition in TRANSITIONS:
        for source in sorted(transition.sources):
            if transition.implied_action(source) is None:  # else recorded as the implied action + this one
                steps.append((transition.action, source, transition.target))
    return steps


def _quoted(value: str | None) -> str:
    return "'" + (value or "").replace("'", "''") + "'"


def _inside(location: str, region: str) -> str:
    """SQL: the region code lies inside the location (province, prefecture or county prefix)."""
    return (
        f"(CASE WHEN substr({location}, 3, 4) = '0000' THEN substr({region}, 1, 2) = substr({location}, 1, 2)"
        f" WHEN substr({location}, 5, 2) = '00' THEN substr({region}, 1, 4) = substr({location}, 1, 4)"
        f" ELSE {region} = {location} END)"
    )


def _label(table: str, column: str) -> str:
    return f"'{table} ' || CAST({column} AS VARCHAR(12))"


def _chain_sql() -> str:
    # One pass over the event log in (application, id) order: the previous event's target must be
    # this event's source, the step must be one the table allows, and the last event (no next one)
    # must end at the application's status. A step is compared as one "action:from:to" string.
    allowed = ", ".join(_quoted(f"{a}:{f or ''}:{t}") for a, f, t in allowed_steps())
    return f"""
        SELECT DISTINCT ev.application_id FROM (
            SELECT application_id, action, coalesce(from_status, '') AS from_status, to_status,
                   coalesce(LAG(to_status) OVER (PARTITION BY application_id ORDER BY id), '') AS previous,
                   LEAD(id) OVER (PARTITION BY application_id ORDER BY id) AS next_id
            FROM application_event
        ) ev JOIN application a ON a.id = ev.application_id
        WHERE ev.previous <> ev.from_status
           OR ev.action || ':' || ev.from_status || ':' || ev.to_status NOT IN ({allowed})
           OR (ev.next_id IS NULL AND ev.to_status <> a.status)
    """


def _reason_sql() -> str:
    actions = ", ".join(_quoted(t.action) for t in TRANSITIONS if t.needs_reason)
    return f"""
        SELECT DISTINCT e.application_id FROM application_event e
        WHERE e.action IN ({actions}) AND (e.comment IS NULL OR trim(e.comment) = '')
    """


@dataclass(frozen=True)
class Rule:
    """One invariant: a name, what it demands, and the SELECT of the rows that break it."""

    name: str
    demands: str
    sql: str


RULES: tuple[Rule, ...] = (
    Rule("location_level", "执业医师 practise in a province; 执业助理医师 in a county (or a prefecture without counties)", """
        SELECT r.id FROM practice_registration r JOIN region g ON g.code = r.location_code
        WHERE NOT ((r.level = 'physician' AND g.level = 'province')
            OR (r.level = 'assistant' AND (g.level = 'county' OR (g.level = 'prefecture' AND g.code NOT IN (
                SELECT c.parent_code FROM region c WHERE c.level = 'county' AND c.parent_code IS NOT NULL)))))
    """),
    Rule("primary_in_location", "the primary institution lies inside the practice location", f"""
        SELECT r.id FROM practice_registration r JOIN institution i ON i.id = r.institution_id
        WHERE NOT {_inside('r.location_code', 'i.region_code')}
    """),
    Rule("filing_in_location", "an active filing's institution lies inside the location and is not the primary one", f"""
        SELECT f.id FROM filing f
        JOIN practice_registration r ON r.id = f.registration_id JOIN institution i ON i.id = f.institution_id
        WHERE f.status = 'active' AND (f.institution_id = r.institution_id OR NOT {_inside('r.location_code', 'i.region_code')})
    """),
    Rule("filing_duplicate", "at most one active filing per registration and institution", """
        SELECT min(f.id) FROM filing f WHERE f.status = 'active'
        GROUP BY f.registration_id, f.institution_id HAVING count(*) > 1
    """),
    Rule("scope_count", "a registration has 1 to MAX_SCOPES scopes", """
        SELECT r.id FROM practice_registration r
        LEFT JOIN (SELECT registration_id, count(*) AS n FROM registration_scope GROUP BY registration_id) s
            ON s.registration_id = r.id
        WHERE coalesce(s.n, 0) < 1 OR s.n > :max_scopes
    """),
    Rule("scope_category", "scopes belong to the registration's category (extras to its province)", """
        SELECT DISTINCT r.id FROM practice_registration r
        JOIN registration_scope rs ON rs.registration_id = r.id JOIN practice_scope p ON p.id = rs.scope_id
        WHERE p.category <> r.category
           OR (p.province_code IS NOT NULL AND p.province_code <> substr(r.location_code, 1, 2) || '0000')
    """),
    Rule("filing_scopes", "an active filing has scopes, all of them the registration's", """
        SELECT f.id FROM filing f WHERE f.status = 'active' AND (
            NOT EXISTS (SELECT 1 FROM filing_scope fs WHERE fs.filing_id = f.id)
            OR EXISTS (SELECT 1 FROM filing_scope fs WHERE fs.filing_id = f.id AND NOT EXISTS (
                SELECT 1 FROM registration_scope rs
                WHERE rs.registration_id = f.registration_id AND rs.scope_id = fs.scope_id)))
    """),
    Rule("military", "no registration, filing or application names a military institution", f"""
        SELECT {_label('registration', 'r.id')} FROM practice_registration r
        JOIN institution i ON i.id = r.institution_id WHERE i.is_military
        UNION ALL SELECT {_label('filing', 'f.id')} FROM filing f
        JOIN institution i ON i.id = f.institution_id WHERE i.is_military
        UNION ALL SELECT {_label('application', 'a.id')} FROM application a
        JOIN institution i ON i.id = a.institution_id WHERE i.is_military
    """),
    Rule("cancelled_with_filings", "a cancelled registration has no active filing", """
        SELECT f.id FROM filing f JOIN practice_registration r ON r.id = f.registration_id
        WHERE f.status = 'active' AND r.status = 'cancelled'
    """),
    Rule("suspension_end", "a suspended registration has an end date", """
        SELECT r.id FROM practice_registration r WHERE r.status = 'suspended' AND r.suspended_until IS NULL
    """),
    Rule("event_chain", "events start with create, follow the transition table and end at the status", _chain_sql()),
    Rule("events_missing", "every application past its draft has events", """
        SELECT a.id FROM application a WHERE a.status <> 'draft'
        AND NOT EXISTS (SELECT 1 FROM application_event e WHERE e.application_id = a.id)
    """),
    Rule("reason_missing", "return, correction, not-accept and refuse events carry a reason", _reason_sql()),
    Rule("approved_without_registration", "an approved first registration has the physician's registration", """
        SELECT a.id FROM application a LEFT JOIN practice_registration r ON r.id = a.registration_id
        WHERE a.type = 'first' AND a.status = 'approved' AND (r.id IS NULL OR r.physician_id <> a.physician_id)
    """),
)


@dataclass(frozen=True)
class Result:
    """How many rows break one rule, and a few of them."""

    rule: Rule
    count: int
    examples: tuple[str, ...]


def check_invariants(connection: Connection, max_scopes: int = 3, examples: int = 5) -> list[Result]:
    """Run every rule over the whole database; return one result per rule (count 0 = it holds)."""
    results = []
    for rule in RULES:
        rows = connection.execute(
            text(f"WITH v(ref) AS ({rule.sql}) SELECT ref, count(*) OVER () FROM v ORDER BY 1 LIMIT :examples"),
            {"max_scopes": max_scopes, "examples": examples},
        ).all()
        results.append(Result(rule, rows[0][1] if rows else 0, tuple(str(ref) for ref, _n in rows)))
    return results


def report(results: list[Result]) -> str:
    """Return one line per rule: its count, what it demands, and example rows."""
    lines = []
    for result in results:
        shown = f"  e.g. {', '.join(result.examples)}" if result.count else ""
        lines.append(f"{'FAIL' if result.count else 'ok  '} {result.rule.name:<30} {result.count:>9,}  "
                     f"{result.rule.demands}{shown}")
    failed = sum(1 for r in results if r.count)
    lines.append(f"{failed} of {len(results)} rules violated" if failed else f"all {len(results)} rules hold")
    return "\n".join(lines)
