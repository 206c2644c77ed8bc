"""Delivery backends: a development log (+ file), SMTP for e-mail and a generic HTTP SMS gateway.

A backend raises ``DeliveryError`` with a short, body-free reason; the dispatcher stores that reason
in ``Message.last_error`` and retries later. Only ``LogBackend`` ever writes a message body (which may
hold a code) anywhere: it exists so a developer can read codes without a real gateway.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Protocol

from app.domain.enums import Channel

outbox_log = logging.getLogger("registry.outbox")

DEFAULT_TIMEOUT = 10.0


class DeliveryError(Exception):
    """A message could not be delivered; the text is short and never contains the body."""


class BackendConfigError(ValueError):
    """The notification configuration names an unknown backend or lacks a required setting."""


@dataclass(frozen=True)
class Envelope:
    """What a backend needs to deliver one message (detached from the database session)."""

    id: int
    channel: str
    recipient: str
    subject: str | None
    body: str


class Backend(Protocol):
    """Deliver one message or raise ``DeliveryError``."""

    def send(self, envelope: Envelope) -> None:
        """Deliver ``envelope``."""


class LogBackend:
    """Development backend: write the whole message to the outbox logger and append it to a file."""

    def __init__(self, log_file: str | None) -> None:
        self.log_file = Path(log_file) if log_file else None

    def send(self, envelope: Envelope) -> None:
        """Log the message and append one line to the outbox file."""
        outbox_log.info(
            "[%s] message %s to %s: %s | %s",
            envelope.channel, envelope.id, envelope.recipient, envelope.subject or "", envelope.body,
        )
        if self.log_file is None:
            return
        stamp = dt.datetime.now().isoformat(timespec="seconds")
        line = "\t".join(
            [stamp, envelope.channel, str(envelope.id), envelope.recipient, envelope.subject or "", envelope.body]
        )
        try:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            with self.log_file.open("a", encoding="utf-8") as handle:
                handle.write(line.replace("\n", " ") + "\n")
        except OSError as exc:
            raise DeliveryError(f"outbox file: {type(exc).__name__}") from exc


class SmtpBackend:
    """Send e-mail through an SMTP server (optional STARTTLS and login), UTF-8 MIME."""

    def __init__(self, host: str, port: int, sender: str, user: str = "", password: str = "",
                 starttls: bool = False, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.user, self.password, self.starttls, self.timeout = user, password, starttls, timeout

    def build(self, envelope: Envelope) -> EmailMessage:
        """Return the MIME message (non-ASCII headers are RFC 2047-encoded by the default policy)."""
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = envelope.recipient
        mail["Subject"] = envelope.subject or ""
        mail["Message-ID"] = make_msgid(idstring=f"outbox-{envelope.id}")
        mail.set_content(envelope.body, charset="utf-8")
        return mail

    def send(self, envelope: Envelope) -> None:
        """Connect, optionally upgrade to TLS and log in, and send the message."""
        mail = self.build(envelope)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(mail)
        except smtplib.SMTPResponseException as exc:
            reply = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
            raise DeliveryError(f"SMTP {exc.smtp_code} {reply[:80]}".strip()) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP: {type(exc).__name__}") from exc


class HttpSmsBackend:
    """POST each SMS as JSON to a generic gateway with a bearer token; any non-2xx is a failure."""

    def __init__(self, url: str, token: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.url, self.token, self.timeout = url, token, timeout

    def send(self, envelope: Envelope) -> None:
        """Post ``{"phone", "text", "id"}`` to the gateway."""
        payload = json.dumps(
            {"phone": envelope.recipient, "text": envelope.body, "id": envelope.id}, ensure_ascii=False
        ).encode("utf-8")
        request = urllib.request.Request(
            self.url, data=payload, method="POST",
            headers={"Content-Type": "application/json; charset=utf-8",
                     "Authorization": f"Bearer {self.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"SMS gateway HTTP {exc.code}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise DeliveryError(f"SMS gateway: {type(exc).__name__}") from exc
        if not 200 <= status < 300:
            raise DeliveryError(f"SMS gateway HTTP {status}")


def build_backends(config: Mapping) -> dict[str, Backend]:
    """Return the backend per channel named by NOTIFY_EMAIL_BACKEND / NOTIFY_SMS_BACKEND."""
    timeout = float(config.get("NOTIFY_TIMEOUT_SECONDS", DEFAULT_TIMEOUT))
    log = LogBackend(config.get("NOTIFY_LOG_FILE"))
    email_name = config.get("NOTIFY_EMAIL_BACKEND", "log")
    sms_name = config.get("NOTIFY_SMS_BACKEND", "log")

    if email_name == "log":
        email: Backend = log
    elif email_name == "smtp":
        email = SmtpBackend(
            config["SMTP_HOST"], int(config["SMTP_PORT"]), config["SMTP_SENDER"],
            user=config.get("SMTP_USER", ""), password=config.get("SMTP_PASSWORD", ""),
            starttls=bool(config.get("SMTP_STARTTLS")), timeout=timeout,
        )
    else:
        raise BackendConfigError(f"NOTIFY_EMAIL_BACKEND must be 'log' or 'smtp', not {email_name!r}")

    if sms_name == "log":
        sms: Backend = log
    elif sms_name == "http":
        if not config.get("SMS_GATEWAY_URL"):
            raise BackendConfigError("NOTIFY_SMS_BACKEND='http' needs SMS_GATEWAY_URL")
        sms = HttpSmsBackend(config["SMS_GATEWAY_URL"], config.get("SMS_GATEWAY_TOKEN", ""), timeout=timeout)
    else:
        raise BackendConfigError(f"NOTIFY_SMS_BACKEND must be 'log' or 'http', not {sms_name!r}")
    return {Channel.EMAIL.value: email, Channel.SMS.value: sms}
