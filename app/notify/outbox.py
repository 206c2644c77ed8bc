"""Write messages to the outbox in the caller's transaction; the dispatcher sends them later."""

from __future__ import annotations

from app.extensions import db
from app.models import Message
from app.notify.templates import render


def message_row(channel: str, recipient: str, template: str, **params) -> dict[str, str]:
    """Return the columns of a rendered outbox message (for a bulk insert; ``enqueue`` adds one)."""
    subject, body = render(template, **params)
    return {"channel": channel, "recipient": recipient, "template": template, "subject": subject, "body": body}


def enqueue(channel: str, recipient: str, template: str, **params) -> Message:
    """Add a rendered message to the session (committed with the change that caused it)."""
    message = Message(**message_row(channel, recipient, template, **params))
    db.session.add(message)
    return message
