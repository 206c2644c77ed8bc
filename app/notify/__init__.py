"""Notifications: every SMS and e-mail is written to the outbox, then delivered by the dispatcher."""
