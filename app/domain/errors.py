"""The single exception type raised by the business rules."""

from typing import Any


class RuleViolation(Exception):
    """A business rule failed; ``code`` is a stable machine code, ``params`` fill its message."""

    def __init__(self, code: str, /, **params: Any) -> None:
        super().__init__(code)
        self.code: str = code
        self.params: dict[str, Any] = params

    def __str__(self) -> str:
        if not self.params:
            return self.code
        details = ", ".join(
            f"{key}={value!r}" for key, value in sorted(self.params.items())
        )
        return f"{self.code} ({details})"

    def __repr__(self) -> str:
        return f"RuleViolation({self.code!r}, **{self.params!r})"
