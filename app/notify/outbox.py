"""Write messages to the outbox in the caller's transaction; the dispatcher sends them later."""

from __future__ import annotations

from app.extensions import db
from app.models import Message
from app.notify.templates import render


def enqueue(channel: str, recipient: str, template: str, **params) -> Message:
    """Add a rendered message to the session (committed with the change that caused it)."""
    subject, body = render(template, **params)
    message = Message(channel=channel, recipient=recipient, template=template, subject=subject, body=body)
    db.session.add(message)
    return message
