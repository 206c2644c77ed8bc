"""The development log backend: the logger and a file a developer can read codes from."""

from __future__ import annotations

import logging

from app.domain.enums import MessageStatus
from app.notify.dispatcher import dispatch_once
from tests.notify.conftest import enqueue_committed, message_row


def test_log_backend_appends_to_the_file_creating_its_directory(make_app, tmp_path, caplog):
    log_file = tmp_path / "not" / "yet" / "outbox.log"
    app = make_app(NOTIFY_LOG_FILE=str(log_file))  # both channels default to "log"
    sms_id = enqueue_committed(app, "sms", "13912345678", "signup_code", code="123987", minutes=5)
    mail_id = enqueue_committed(app, "email", "doctor@example.cn", "recovery_code", code="654321", minutes=5)
    logger = logging.getLogger("registry.outbox")
    logger.disabled = False  # Alembic's fileConfig in the template build disables existing loggers
    caplog.set_level(logging.INFO, logger="registry.outbox")

    with app.app_context():
        result = dispatch_once()

    assert result.sent == 2
    lines = log_file.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    sms_line, mail_line = (line.split("\t") for line in lines)
    assert sms_line[1:4] == ["sms", str(sms_id), "13912345678"] and "123987" in sms_line[-1]
    assert mail_line[1:4] == ["email", str(mail_id), "doctor@example.cn"] and "654321" in mail_line[-1]
    assert mail_line[4] == message_row(app, mail_id).subject
    assert any("123987" in r.getMessage() for r in caplog.records if r.name == "registry.outbox")
    assert message_row(app, sms_id).status == MessageStatus.SENT
    assert message_row(app, mail_id).status == MessageStatus.SENT
