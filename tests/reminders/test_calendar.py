"""A year the working-day calendar does not know: the affected reminders are skipped with an error, never guessed."""

import logging

from app.extensions import db
from app.models import WorkdayEntry, WorkdayYear

from .conftest import D, reminders, run, window_names


def test_a_window_closing_in_an_unknown_year_is_skipped_loudly(windows, caplog, runner):
    windows(p310000=D(2027, 1, 8))  # Shanghai closes in 2027, a year chinese_calendar does not know
    with caplog.at_level(logging.ERROR, logger="app.reminders"):
        result = run(D(2026, 12, 30))
    assert window_names() == {"李芳": "activate", "刘洋": "activate"}  # Beijing (closing 31 Dec) goes ahead
    [(what, year)] = result.skipped
    assert year == 2027 and "2027-01-08" in str(what)
    assert any("calendar of 2027 is not entered" in r.getMessage() for r in caplog.records)

    cli = runner.invoke(args=["reminders", "run", "--today", "2026-12-30"])
    assert cli.exit_code == 1  # cron sees the failure
    assert "已跳过：上海市2026年度考试人员注册窗口（2027-01-08 截止）。2027 年工作日历尚未录入" in cli.output
    assert "注册窗口即将截止（医师）：已发送 0 条提醒" in cli.output  # Beijing's were sent by the first run

    # The commission enters 2027 (New Year's Day off): the count is exact and Shanghai is reminded.
    db.session.add_all([WorkdayYear(year=2027, source="国务院办公厅通知"),
                        WorkdayEntry(day=D(2027, 1, 1), is_working=False, note="元旦")])
    db.session.commit()
    result = run(D(2026, 12, 30))
    assert result.skipped == [] and "王强" in window_names()
    wang = [r for r in reminders("window_closing") if r.detail == "verify"]
    assert [r.key[-2:] for r in wang] == ["-7"]  # 31 Dec + 4–8 Jan: 6 working days left


def test_staff_reminders_skip_when_today_needs_an_unknown_year(ctx, caplog):
    with caplog.at_level(logging.ERROR, logger="app.reminders"):
        result = run(D(2027, 1, 6))
    assert [year for _what, year in result.skipped] == [2027, 2027]
    assert reminders() == []  # no Monday-to-Friday guess: nothing written
    assert sum("not entered" in r.getMessage() for r in caplog.records) == 2
