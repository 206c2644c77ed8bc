"""The new-password rule shared by sign-up, recovery and password change."""

from __future__ import annotations

from app.accounts.errors import AccountError
from app.domain.passwords import password_problems


def check_new_password(password: str, password2: str) -> None:
    """Refuse a password that breaks the complexity rule or differs from its repetition."""
    if password_problems(password):
        raise AccountError("password_weak")
    if password != password2:
        raise AccountError("password_mismatch")
