"""Event chains for generated applications, derived from the workflow's transition table.

The generator cannot run the workflow commands per row at a million rows, so it writes the
ApplicationEvent rows itself. To keep them valid by construction it never spells a chain out:
``walks`` enumerates every walk through the table (``app.workflow.invariants.allowed_steps``: the
"create" step, then each (action, from, to) the table allows, approve-from-待受理 recorded as
accept + approve) up to a length, grouped by the state it ends in. ``ChainPicker`` draws one walk
per application for the status the generator wants, the shortest walk most often and detours
(returned and resubmitted, corrected) now and then, and turns it into event rows and the
application's timestamps and deadlines (5 and 20 weekdays, as the workflow sets them when an
application enters 待受理 and 已受理; the generator does not load the holiday calendar). Actions that
need a reason get one.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from app.security.roles import PHYSICIAN
from app.workflow.changes import ACCEPT_WORKING_DAYS, DECIDE_WORKING_DAYS
from app.workflow.invariants import allowed_steps
from app.workflow.transitions import BY_ACTION

Step = tuple[str, str | None, str]
MAX_STEPS = 8  # create + 7 transitions: enough for a return and a correction on the way
DETOUR_WEIGHT = 0.15  # each step beyond the shortest walk makes a walk this much rarer
REASONS = {
    "return": ("照片不清晰，请重新上传", "执业范围与本院岗位不符，请核对后重新提交"),
    "ask_correction": ("请补充规范化培训合格证明", "请补充学历证书扫描件；身份证件照片不清晰"),
    "not_accept": ("不属于本机关受理范围",),
    "refuse": ("不符合《中华人民共和国医师法》第十六条规定的注册条件",),
}
GENERIC_REASON = ("材料不全，请补充后重新提交",)
DECISIONS = ("approve", "refuse", "not_accept")


def walks(max_steps: int = MAX_STEPS) -> dict[str, list[tuple[Step, ...]]]:
    """Return every walk through the table from "create", up to ``max_steps`` events, by end state."""
    steps = allowed_steps()
    following: dict[str, list[Step]] = defaultdict(list)
    for step in steps[1:]:
        following[step[1]].append(step)
    found: dict[str, list[tuple[Step, ...]]] = defaultdict(list)
    frontier: list[tuple[Step, ...]] = [(steps[0],)]
    while frontier:
        walk = frontier.pop()
        found[walk[-1][2]].append(walk)
        if len(walk) < max_steps:
            frontier.extend(walk + (step,) for step in following[walk[-1][2]])
    return dict(found)


def weekdays_after(day: dt.date, count: int) -> dt.date:
    """Return the ``count``-th weekday after ``day``: the deadline, without the holidays of the calendar."""
    while count:
        day += dt.timedelta(days=1)
        count -= day.weekday() < 5
    return day


def role_of(action: str) -> str:
    """Return the role that takes ``action`` (the physician creates)."""
    return BY_ACTION[action].role if action in BY_ACTION else PHYSICIAN


class ChainPicker:
    """Draw a valid event chain ending in a wanted status."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.choices: dict[str, tuple[list[tuple[Step, ...]], list[float]]] = {}
        for status, found in walks().items():
            shortest = min(len(w) for w in found)
            weights = [DETOUR_WEIGHT ** (len(w) - shortest) for w in found]
            cumulative, total = [], 0.0
            for weight in weights:
                total += weight
                cumulative.append(total)
            self.choices[status] = (found, cumulative)

    def pick(self, status: str) -> tuple[Step, ...]:
        """Return a walk ending in ``status``."""
        found, cumulative = self.choices[status]
        return self.rng.choices(found, cum_weights=cumulative)[0]

    def events(self, status: str, start: dt.datetime) -> tuple[list[tuple], dict]:
        """Return the event rows (from, to, action, role, reason, at) and the application's fields."""
        rows, fields = [], {}
        for day, (action, source, target) in enumerate(self.pick(status)):
            at = start + dt.timedelta(days=day, hours=self.rng.randrange(8))
            transition = BY_ACTION.get(action)
            reason = self.rng.choice(REASONS.get(action, GENERIC_REASON)) if transition and transition.needs_reason else None
            rows.append((source, target, action, role_of(action), reason, at))
            if target == "submitted":
                fields["submitted_at"] = at
            elif action == "confirm":
                fields["confirmed_at"] = at
            elif action == "accept":
                fields["accepted_at"] = at
                fields["decide_due"] = weekdays_after(at.date(), DECIDE_WORKING_DAYS)
            if target == "pending_acceptance":
                fields["accept_due"] = weekdays_after(at.date(), ACCEPT_WORKING_DAYS)
            elif action == "return":
                fields["institution_opinion"] = reason
            if action in DECISIONS:
                fields["decided_at"], fields["decision_comment"] = at, reason
        return rows, fields
