"""Two reviewers decide one application at once: exactly one wins, the other hears "already handled"."""

import threading

import pytest

from app.extensions import db
from app.workflow.commands import act, create_application
from app.workflow.errors import WorkflowError

from .conftest import TODAY, actor, first_registration_data


@pytest.mark.parametrize("second_action", ["approve", "not_accept"])
def test_two_reviewers_at_once(app, li_fang, database_uri, second_action):
    if database_uri.startswith("sqlite"):
        pytest.skip("proven on PostgreSQL, where two sessions really run at once")
    application = create_application(actor("li_fang"), "first", first_registration_data(), today=TODAY)
    act(actor("inst_admin"), application.id, "confirm", today=TODAY)
    application_id = application.id
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def decide(username: str, action: str) -> None:
        with app.app_context():
            who = actor(username)
            barrier.wait()
            try:
                act(who, application_id, action, "不符合条件" if action == "not_accept" else None, today=TODAY)
                outcomes[username] = "done"
            except WorkflowError as error:
                outcomes[username] = error.code
            finally:
                db.session.remove()

    threads = [threading.Thread(target=decide, args=("reviewer_11", "approve")),
               threading.Thread(target=decide, args=("reviewer", second_action))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["already_handled", "done"], outcomes
    db.session.expire_all()
    events = [e.action for e in db.session.get(type(application), application_id).events]
    assert events.count("approve") + events.count("not_accept") == 1
