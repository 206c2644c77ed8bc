"""Physicians of an open window who have not filed are reminded 7 and 1 working days before it closes."""

from sqlalchemy import select

from app.extensions import db
from app.models import Region

from .conftest import D, run, sent, window_names


def test_seven_working_days_before_closing(ctx):
    assert run(D(2026, 12, 21)).tallies["window_closing"].sent == 0  # 8 working days left: not yet
    result = run(D(2026, 12, 22))  # Tue 22 Dec: 7 working days to Thu 31 Dec
    assert window_names() == {"李芳": "activate", "刘洋": "activate", "王强": "verify"}
    tally = result.tallies["window_closing"]
    assert (tally.sent, tally.messages, tally.unreachable) == (3, 3, 0)
    bodies = {m.recipient: m.body for m in sent()}
    print(bodies)
    assert db.session.scalar(select(Region.name).where(Region.code == "110000")) in bodies["13800132022"]
