"""The bot token never reaches a log line, even inside a URL another library logs."""

from __future__ import annotations

import io
import logging

from bot.logging_setup import RedactToken

TOKEN = "123456:ABC-SECRET"


def test_token_is_redacted_from_messages_and_arguments() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactToken([TOKEN]))
    logger = logging.getLogger("hrbot.test.redact")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("POST https://api.telegram.org/bot%s/getUpdates", TOKEN)
        logger.warning(f"direct {TOKEN}")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert TOKEN not in output
    assert output.count("<token>") == 2
