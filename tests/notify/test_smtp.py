"""E-mail through a real local SMTP server (aiosmtpd), and no code in the application logs."""

from __future__ import annotations

import email
import email.policy
import logging
import re

import pytest

from app.domain.enums import MessageStatus
from app.notify.backends import Envelope, SmtpBackend
from app.notify.dispatcher import dispatch_once
from tests.notify.conftest import enqueue_committed, message_row
from tests.servers import free_port

INSTITUTION = "北京协和医院"


def _smtp(port: int) -> dict:
    return {"NOTIFY_EMAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": port}


def _parse(envelope) -> email.message.EmailMessage:
    return email.message_from_bytes(envelope.content, policy=email.policy.default)


def _text(mail: email.message.EmailMessage) -> str:
    """Return the decoded body without the wire's line endings."""
    return mail.get_content().replace("\r\n", "\n").rstrip("\n")


def test_dispatch_delivers_utf8_mail_and_marks_row_sent(make_app, smtp_server):
    port, received = smtp_server
    app = make_app(**_smtp(port))
    message_id = enqueue_committed(app, "email", "doctor@example.cn", "activation_code",
                                   code="482913", institution=INSTITUTION, expires="2025-12-31 18:00")
    stored = message_row(app, message_id)

    with app.app_context():
        result = dispatch_once()

    assert (result.sent, result.retried, result.failed) == (1, 0, 0)
    assert len(received) == 1
    envelope = received[0]
    assert envelope.mail_from == "noreply@example.cn"
    assert envelope.rcpt_tos == ["doctor@example.cn"]
    mail = _parse(envelope)
    assert mail["Subject"] == stored.subject
    assert _text(mail) == stored.body
    assert INSTITUTION in _text(mail) and "482913" in _text(mail)
    assert mail["From"].addresses[0].display_name == "医师电子化注册"
    assert mail.get_content_charset() == "utf-8"
    row = message_row(app, message_id)
    assert row.status == MessageStatus.SENT
    assert row.sent_at is not None and row.locked_until is None and row.attempts == 1


def test_chinese_subject_is_rfc2047_encoded_and_decodes_back(smtp_server):
    port, received = smtp_server
    backend = SmtpBackend("127.0.0.1", port, "医师电子化注册 <noreply@example.cn>", timeout=5)
    backend.send(Envelope(7, "email", "doctor@example.cn", "您的激活码", "激活码 135790,请勿告诉他人。"))

    raw_headers = received[0].content.split(b"\r\n\r\n", 1)[0]
    assert "您的激活码".encode() not in raw_headers  # encoded, not raw 8-bit
    assert b"=?utf-8?" in raw_headers
    mail = _parse(received[0])
    assert mail["Subject"] == "您的激活码"
    assert _text(mail) == "激活码 135790,请勿告诉他人。"


def test_unreachable_smtp_server_is_retried_without_the_body(make_app):
    app = make_app(**_smtp(free_port()))  # nothing listens there
    message_id = enqueue_committed(app, "email", "doctor@example.cn", "signup_code", code="555123", minutes=5)

    with app.app_context():
        result = dispatch_once()

    assert (result.sent, result.retried, result.failed) == (0, 1, 0)
    row = message_row(app, message_id)
    assert row.status == MessageStatus.PENDING and row.attempts == 1
    assert row.last_error.startswith("SMTP") and "555123" not in row.last_error


def _issue_code_and_dispatch(app, target: str) -> None:
    from app.accounts.codes import issue_verification_code
    from app.extensions import db

    with app.app_context():
        issue_verification_code("email", target, "signup", "signup_code")
        db.session.commit()
        assert dispatch_once().sent == 1


@pytest.fixture
def every_logger_enabled():
    """Re-enable loggers that Alembic's fileConfig (run by the template build) disabled."""
    loggers = [lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger)]
    disabled = [lg for lg in loggers if lg.disabled]
    for lg in disabled:
        lg.disabled = False
    yield
    for lg in disabled:
        lg.disabled = True


def _records_with(caplog, text: str) -> list[logging.LogRecord]:
    # aiosmtpd ("mail.log") is the test's SMTP server, not our application.
    return [r for r in caplog.records if not r.name.startswith("mail.") and text in r.getMessage()]


def test_codes_never_reach_application_logs_through_smtp(make_app, smtp_server, caplog, every_logger_enabled):
    port, received = smtp_server
    app = make_app(**_smtp(port))
    caplog.set_level(logging.DEBUG)

    _issue_code_and_dispatch(app, "doctor@example.cn")

    code = re.search(r"\d{6}", _text(_parse(received[0]))).group(0)
    assert any(r.name == "app.notify.dispatcher" for r in caplog.records)  # the run did log
    assert _records_with(caplog, code) == []


def test_the_log_backend_is_the_one_place_codes_are_logged(make_app, caplog, tmp_path, every_logger_enabled):
    log_file = tmp_path / "outbox.log"
    app = make_app(NOTIFY_LOG_FILE=str(log_file))  # development default: log backend
    caplog.set_level(logging.DEBUG)

    _issue_code_and_dispatch(app, "doctor@example.cn")

    body = log_file.read_text(encoding="utf-8").rstrip("\n").split("\t")[-1]
    leaking = _records_with(caplog, re.search(r"\d{6}", body).group(0))
    assert leaking and {r.name for r in leaking} == {"registry.outbox"}
