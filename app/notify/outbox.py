"""Write messages to the outbox in the caller's transaction; the dispatcher sends them later."""

from __future__ import annotations

from app.extensions import db
from app.models import Message
from app.notify.templates import render, render_many


def message_row(channel: str, recipient: str, template: str, **params) -> dict[str, str]:
    """Return the columns of a rendered outbox message (for a bulk insert; ``enqueue`` adds one)."""
    subject, body = render(template, **params)
    return {"channel": channel, "recipient": recipient, "template": template, "subject": subject, "body": body}


def message_rows(channel_recipients: list[tuple[str, str]], template: str, rows: list[dict],
                 **shared) -> list[dict[str, str]]:
    """Return the outbox rows of one template for many recipients (texts translated once)."""
    rendered = render_many(template, rows, **shared)
    return [{"channel": channel, "recipient": recipient, "template": template, "subject": subject, "body": body}
            for (channel, recipient), (subject, body) in zip(channel_recipients, rendered, strict=True)]


def enqueue(channel: str, recipient: str, template: str, **params) -> Message:
    """Add a rendered message to the session (committed with the change that caused it)."""
    message = Message(**message_row(channel, recipient, template, **params))
    db.session.add(message)
    return message
