"""What a staff password must be: long enough, and not guessable by zxcvbn's estimate
(score 3 of 4 or better), which also knows the leaked-password lists it ships and the
person's own e-mail, name and clinic. One rule for every way a password is set."""

from __future__ import annotations

from zxcvbn import zxcvbn

from companion.core.errors import Invalid
from companion.core.i18n import N_

MIN_LENGTH = 12
MAX_LENGTH = 256
MIN_SCORE = 3
_ZXCVBN_MAX = 72  # the estimator refuses longer input; a longer password is judged by its start

TOO_SHORT = N_("At least 12 characters.")
TOO_LONG = N_("At most 256 characters.")
TOO_WEAK = N_("This password is too easy to guess or has appeared in a data breach. Use three or four unrelated words.")
SAME_AS_CURRENT = N_("Must differ from the current one.")


def password_problem(password: str, *, user_inputs: list[str]) -> str | None:
    """The message to show next to the field, or None when the password will do."""
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    if len(password) > MAX_LENGTH:
        return TOO_LONG
    words = [w for item in user_inputs if item for w in (item, *item.replace("@", " ").replace(".", " ").split())]
    if zxcvbn(password[:_ZXCVBN_MAX], user_inputs=words)["score"] < MIN_SCORE:
        return TOO_WEAK
    return None


def require_strong(password: str, *, user_inputs: list[str], field: str = "new") -> None:
    problem = password_problem(password, user_inputs=user_inputs)
    if problem is not None:
        raise Invalid(problem, fields={field: [problem]})
