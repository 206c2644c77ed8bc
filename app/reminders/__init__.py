"""Reminders through the outbox (`flask reminders run`): windows closing, confirmations waiting, reviewers' digests."""
