"""The window rules (app/domain/windows.py): state, default close, valid plans, closed needs a reason, days left."""

import datetime as dt

import pytest

from app.domain import windows as w
from app.domain.errors import RuleViolation
from app.domain.workdays import WorkdayCalendar

D = dt.date
PLAN = w.WindowPlan("110000", 2026, D(2026, 10, 1), D(2026, 12, 31), id=1)


def code(func, *args) -> str:
    with pytest.raises(RuleViolation) as caught:
        func(*args)
    return caught.value.code


def test_state_counts_both_ends_as_open():
    assert w.state_of(D(2026, 10, 1), D(2026, 12, 31), D(2026, 9, 30)) is w.WindowState.NOT_OPEN
    assert w.state_of(D(2026, 10, 1), D(2026, 12, 31), D(2026, 10, 1)) is w.WindowState.OPEN
    assert w.state_of(D(2026, 10, 1), D(2026, 12, 31), D(2026, 12, 31)) is w.WindowState.OPEN
    assert w.state_of(D(2026, 10, 1), D(2026, 12, 31), D(2027, 1, 1)) is w.WindowState.CLOSED


def test_a_window_closes_on_31_december_by_default():
    assert w.default_closes_on(2027) == D(2027, 12, 31)


@pytest.mark.parametrize("closes", [D(2026, 10, 1), D(2026, 9, 30)])
def test_a_window_opens_before_it_closes(closes):
    plan = w.WindowPlan("110000", 2026, D(2026, 10, 1), closes)
    assert code(w.check_plan, plan, []) == "window_dates_reversed"


def test_two_windows_of_one_province_and_cohort_never_overlap():
    overlapping = w.WindowPlan("110000", 2026, D(2026, 12, 1), D(2027, 1, 31))
    assert code(w.check_plan, overlapping, [PLAN]) == "window_overlaps"
    later = w.WindowPlan("110000", 2026, D(2027, 2, 1), D(2027, 3, 31))
    assert code(w.check_plan, later, [PLAN]) == "window_exists"  # one window per province and cohort


def test_other_provinces_cohorts_and_the_window_itself_do_not_conflict():
    w.check_plan(w.WindowPlan("310000", 2026, D(2026, 10, 1), D(2026, 12, 31)), [PLAN])
    w.check_plan(w.WindowPlan("110000", 2027, D(2026, 11, 1), D(2027, 12, 31)), [PLAN])
    w.check_plan(w.WindowPlan("110000", 2026, D(2026, 10, 8), D(2026, 12, 31), id=1), [PLAN])


def test_a_closed_window_changes_only_with_a_reason():
    moved = w.WindowPlan("110000", 2026, D(2026, 10, 1), D(2027, 1, 15), id=1)
    after_close = D(2027, 1, 5)
    assert code(w.check_change, PLAN, moved, after_close, None) == "window_closed_reason_required"
    assert code(w.check_change, PLAN, moved, after_close, "   ") == "window_closed_reason_required"
    w.check_change(PLAN, moved, after_close, "省卫健委通知延长补报")
    w.check_change(PLAN, moved, D(2026, 11, 1), None)  # still open: no reason needed
    w.check_change(PLAN, PLAN, after_close, None)  # nothing changed
    w.check_change(None, moved, after_close, None)  # a new window


def test_working_days_left_count_today_and_stop_at_zero():
    calendar = WorkdayCalendar()
    # 2026-12-28 (Monday) to 2026-12-31 (Thursday): four working days, today included
    assert w.working_days_left(calendar, D(2026, 10, 1), D(2026, 12, 31), D(2026, 12, 28)) == 4
    assert w.working_days_left(calendar, D(2026, 10, 1), D(2026, 12, 31), D(2027, 1, 4)) == 0
    # not open yet: the whole window lies ahead (National Day week has no working day)
    assert w.working_days_left(calendar, D(2026, 10, 1), D(2026, 10, 9), D(2026, 9, 1)) == 2


def test_working_days_left_refuse_a_year_no_calendar_knows():
    assert code(w.working_days_left, WorkdayCalendar(), D(2099, 10, 1), D(2099, 12, 31), D(2099, 11, 1)) \
        == "calendar_year_unknown"
    entered = WorkdayCalendar.of({}, {2099})
    assert w.working_days_left(entered, D(2099, 10, 1), D(2099, 12, 31), D(2099, 12, 31)) == 1


@pytest.mark.parametrize(("status", "registered", "application", "window", "expected"), [
    ("active", True, None, "window_closed", w.REGISTERED),
    ("disabled", False, None, None, w.CONTACT_INSTITUTION),
    ("created", False, None, None, w.VERIFY_CONTACT),
    ("verified", False, None, "window_not_open", w.AWAIT_ACTIVATION),
    ("active", False, "draft", None, w.CONTINUE_DRAFT),
    ("active", False, "draft", "window_not_open", w.WAIT_FOR_WINDOW),
    ("active", False, "returned", "window_closed", w.REVISE_APPLICATION),
    ("active", False, "correction", None, w.REVISE_APPLICATION),
    ("active", False, "pending_acceptance", None, w.WAIT_FOR_REVIEW),
    ("active", False, None, "window_not_set", w.WAIT_FOR_WINDOW),
    ("active", False, None, "window_not_open", w.WAIT_FOR_WINDOW),
    ("active", False, None, "window_closed", w.WINDOW_CLOSED),
    ("active", False, None, None, w.FILE_FIRST),
])
def test_the_one_next_step(status, registered, application, window, expected):
    assert w.next_step_for(status, registered, application, window) == expected
