"""The bot token never reaches a log line, even inside a URL another library logs."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.logging_setup import RedactToken
from models.db import make_engine

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


def test_sql_errors_do_not_quote_personal_data(tmp_path: Path) -> None:
    """A failed insert's exception text must not carry the 身份证 or the wage it tried to write."""
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (id_number TEXT UNIQUE, wage TEXT)"))
        connection.execute(text("INSERT INTO t VALUES ('110101199003071233', '8888.00')"))
    with pytest.raises(IntegrityError) as caught, engine.begin() as connection:
        connection.execute(
            text("INSERT INTO t VALUES (:id, :wage)"),
            {"id": "110101199003071233", "wage": "8888.00"},
        )
    assert "110101199003071233" not in str(caught.value)
    assert "8888" not in str(caught.value)
    engine.dispose()
