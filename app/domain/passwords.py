"""Password complexity, plugged into Flask-AppBuilder as FAB_PASSWORD_COMPLEXITY_VALIDATOR.

Character classes are ASCII lower-case, ASCII upper-case, ASCII digits and symbols; a symbol is
any other non-whitespace character, so non-Latin letters count as symbols.
"""

MIN_LENGTH = 8
MAX_LENGTH = 64
MIN_CLASSES = 3

COMPLEXITY_MESSAGE = (
    "Password must be 8 to 64 characters long and contain at least three of: lower-case "
    "letters, upper-case letters, digits and symbols."
)


def _character_class(char: str) -> str:
    if "a" <= char <= "z":
        return "lower"
    if "A" <= char <= "Z":
        return "upper"
    if "0" <= char <= "9":
        return "digit"
    return "symbol"


def password_problems(password: str) -> list[str]:
    """Return the machine codes of every complexity rule the password breaks."""
    password = password or ""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append("too_short")
    if len(password) > MAX_LENGTH:
        problems.append("too_long")
    if (
        len({_character_class(char) for char in password if not char.isspace()})
        < MIN_CLASSES
    ):
        problems.append("too_few_classes")
    if any(char.isspace() for char in password):
        problems.append("whitespace")
    return problems


def validate_password_complexity(password: str) -> None:
    """Raise FAB's PasswordComplexityValidationError when the password breaks a rule."""
    if not password_problems(password):
        return
    # Imported here so that the rest of the domain package stays free of Flask and FAB.
    from flask_appbuilder.exceptions import PasswordComplexityValidationError
    from flask_babel import lazy_gettext

    raise PasswordComplexityValidationError(
        lazy_gettext(
            "Password must be 8 to 64 characters long and contain at least three of: "
            "lower-case letters, upper-case letters, digits and symbols."
        )
    )
