"""Logging that never shows the bot token, even inside a URL another library logs."""

from __future__ import annotations

import json
import logging
import traceback
from datetime import UTC, datetime


class RedactToken(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        redacted = message
        for secret in self._secrets:
            redacted = redacted.replace(secret, "<token>")
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            # A traceback quotes exception messages, and PTB's InvalidToken quotes the token:
            # format it here, redacted, so the handler prints this text instead.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        return True

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "<token>")
        return text


class JsonFormatter(logging.Formatter):
    """One JSON object per line for log collectors (`[logging] format = "json"`).

    An exception is logged as its type and frames only: its text can quote what a user typed
    (a 身份证, a wage), which must never reach a log.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__
            entry["frames"] = "".join(traceback.format_tb(record.exc_info[2]))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(
    *secrets: str, level: int | str = logging.INFO, json_lines: bool = False
) -> None:
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    if json_lines:
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter())
    # httpx logs every request URL, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # At DEBUG, PTB logs whole updates and request parameters (what users typed: 身份证,
    # wages) and tornado logs webhook bodies: they stay at INFO whatever `level` says.
    for chatty in ("telegram", "tornado"):
        logging.getLogger(chatty).setLevel(max(logging.INFO, logging.getLogger().level))
    redact = RedactToken(list(secrets))
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
