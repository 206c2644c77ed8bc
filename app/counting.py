"""Row counts of lists that stay cheap as the country fills: the planner's estimate above a threshold.

An exact ``count(*)`` reads every matching row, so a national list of millions of physicians pays for
the whole table on every page. On PostgreSQL ``count_rows`` first asks the planner (EXPLAIN, no rows
read) how many rows the list's SELECT returns and what reading them costs; when the estimate is above
``LIST_ESTIMATE_THRESHOLD``, or the cost above ``LIST_ESTIMATE_COST`` (a few matches found by joining
hundreds of thousands of rows, e.g. a common surname in a national queue), the estimate is the count
(shown as 「约 N」); otherwise the rows are counted exactly. SQLite (tests,
small installations) always counts exactly. Screens, JSON APIs and reports all count through here.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement, Executable
from sqlalchemy.sql.visitors import InternalTraversal

from app.security.roles import INSTITUTION_ADMIN, PHYSICIAN
from app.security.scope import current_scope

DEFAULT_THRESHOLD = 100_000
DEFAULT_COST = 100_000  # planner cost units: a sequential read of ~2 million narrow rows
# an institution's or a physician's rows: thousands at most, so the EXPLAIN would only add a statement
SMALL_SCOPES = frozenset({INSTITUTION_ADMIN, PHYSICIAN})


class RowCount(int):
    """A list's row count: an ``int`` (paging arithmetic works on it) that knows whether it is estimated."""

    estimated: bool

    def __new__(cls, value: int, estimated: bool = False) -> RowCount:
        count = super().__new__(cls, max(int(value), 0))
        count.estimated = estimated
        return count

    def label(self) -> str:
        """Return the count for people: 「1,234」 exact, 「约 1,234,567」 estimated."""
        return count_label(self)


def count_label(count: int) -> str:
    """Return ``count`` with thousands separators, prefixed with 「约」 when it is an estimate."""
    text = f"{int(count):,}"
    return _("about %(num)s", num=text) if getattr(count, "estimated", False) else text


class Explain(Executable, ClauseElement):
    """``EXPLAIN (FORMAT JSON) <statement>``: the plan (with its row estimate), nothing executed.

    Cached like any statement: its cache key is its statement's, so a list's EXPLAIN is compiled
    once per shape (a few ms for the audit log's UNION) and later pages only bind new values.
    """

    inherit_cache = True
    _traverse_internals = [("statement", InternalTraversal.dp_clauseelement)]

    def __init__(self, statement: Any) -> None:
        self.statement = statement

    @property
    def _all_selected_columns(self) -> tuple:
        """What a cached result matches by column object: nothing, its one column is the plan."""
        return ()


@compiles(Explain, "postgresql")
def _compile_explain(element: Explain, compiler: Any, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.statement, **kw)


def threshold() -> int:
    """Return the configured number of rows above which a list shows the planner's estimate."""
    return int(current_app.config.get("LIST_ESTIMATE_THRESHOLD", DEFAULT_THRESHOLD))


def cost_limit() -> float:
    """Return the planner cost above which a list shows the estimate, however few rows it has."""
    return float(current_app.config.get("LIST_ESTIMATE_COST", DEFAULT_COST))


def planner_estimate(session, statement) -> tuple[int, float] | None:
    """Return PostgreSQL's estimate of the rows ``statement`` returns and its total cost (None elsewhere)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    plan = session.execute(Explain(statement)).scalar()[0]["Plan"]
    return int(plan["Plan Rows"]), float(plan["Total Cost"])


def could_be_large() -> bool:
    """Tell whether the user's lists may reach the threshold: never one institution's or one physician's."""
    return current_scope().role not in SMALL_SCOPES


def count_rows(session, statement) -> RowCount:
    """Count the rows of a SELECT: estimated above the thresholds (rows or cost) on PostgreSQL, else exactly.

    ``statement`` is the list's SELECT without ORDER BY, OFFSET or LIMIT (a Core/ORM ``Select``
    or a legacy ``Query``). One statement on SQLite and for the small scopes; otherwise, on
    PostgreSQL, the EXPLAIN, plus the exact count when the estimate is at or below both thresholds.
    """
    statement = getattr(statement, "statement", statement)  # a legacy Query: its SELECT
    estimate = planner_estimate(session, statement) if could_be_large() else None
    if estimate is not None and (estimate[0] > threshold() or estimate[1] > cost_limit()):
        return RowCount(estimate[0], estimated=True)
    exact = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    return RowCount(exact or 0)


def model_count(datamodel, query, filters, select_columns: list[str] | None = None) -> RowCount:
    """Count a Flask-AppBuilder list: its query with the joined filters applied, as FAB counts it."""
    filtered = datamodel._apply_inner_all(query, filters, select_columns=select_columns, aliases_mapping={})
    return count_rows(datamodel.session, filtered)


class CountingInterface(SQLAInterface):
    """FAB's SQLAlchemy interface counting its lists through ``count_rows`` (for the model APIs)."""

    def query_count(self, query, filters=None, select_columns=None) -> RowCount:
        """Return the list's count: exact, or the planner's estimate above the threshold."""
        return model_count(self, query, filters, select_columns)


COUNT_ESTIMATED_DOC = {
    "type": "boolean",
    "description": "true: `count` is PostgreSQL's planner estimate (the list has more rows than "
                   "LIST_ESTIMATE_THRESHOLD, shown as 约 N on the screens), not an exact count; "
                   "a page past the real end is an empty `result`",
}


def document_estimated_counts(spec: dict[str, Any]) -> dict[str, Any]:
    """Add ``count_estimated`` beside every documented list ``count`` of an OpenAPI document."""
    for item in spec.get("paths", {}).values():
        operation = item.get("get") if isinstance(item, dict) else None
        if not isinstance(operation, dict):
            continue
        content = operation.get("responses", {}).get("200", {}).get("content", {})
        properties = content.get("application/json", {}).get("schema", {}).get("properties", {})
        if "count" in properties:
            properties["count"] = {"type": "integer", "description": "rows of the list (see count_estimated)"}
            properties["count_estimated"] = COUNT_ESTIMATED_DOC
    return spec
