"""The one edge where a refusal becomes a reply: services raise typed errors
(bot/services/errors.py), input parsing raises InputError, and every handler words them here.

Wording lives in bot/templates/refusals.j2, one macro per error type, so the same refusal
reads the same from /ledger, /todo or /backpay.
"""

from __future__ import annotations

from functools import lru_cache
from html import unescape
from typing import Any

from bot.parsing import InputError
from bot.render import environment
from bot.services.errors import DomainError

TEMPLATE = "refusals.j2"


@lru_cache(maxsize=1)
def _macros() -> Any:
    return environment().get_template(TEMPLATE).module


def refusal(error: DomainError | InputError) -> str:
    """The HTML reply for `error`: its macro in refusals.j2, or an InputError's own sentence."""
    if isinstance(error, InputError):
        return error.html
    macro = getattr(_macros(), type(error).__name__, None)
    if macro is None:
        raise LookupError(f"{TEMPLATE} has no macro for {type(error).__name__}")
    return str(macro(error)).strip()


def refusal_alert(error: DomainError | InputError, limit: int = 200) -> str:
    """The refusal as a callback-query alert (plain text, at most `limit` characters)."""
    if isinstance(error, InputError):
        return error.message[:limit]
    return unescape(refusal(error))[:limit]
