"""`edit_message` treats Telegram's "message is not modified" as success, nothing else."""

from __future__ import annotations

import pytest
from telegram.error import BadRequest

from handlers.common import edit_message


async def refused(description: str) -> None:
    raise BadRequest(description)


async def test_not_modified_is_success() -> None:
    description = (
        "Message is not modified: specified new message content and reply markup are exactly "
        "the same as a current content and reply markup of the message"
    )
    assert await edit_message(refused(description)) is None


async def test_other_refusals_still_raise() -> None:
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await edit_message(refused("Message to edit not found"))


async def test_the_edit_result_is_returned() -> None:
    async def edited() -> str:
        return "edited"

    assert await edit_message(edited()) == "edited"
