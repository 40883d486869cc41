"""员工信息有误: the corrected fields HR type, one a line."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.parsing import CHANGED_FIELDS_MAX, InputError, parse_changed_fields


def test_plain_and_arrow_forms() -> None:
    text = ("姓名 陈明原 陈明远\n身份证号码：110101199003071234 → 110101199003071233\n\n"
            "部门　前厅　后厨")
    assert parse_changed_fields(text) == [
        ("姓名", "陈明原", "陈明远"),
        ("身份证号码", "110101199003071234", "110101199003071233"),
        ("部门", "前厅", "后厨"),
    ]


@pytest.mark.parametrize(("text", "says"), [
    ("", "请输入更正的信息"),
    ("姓名 陈明远", "第1行“姓名 陈明远”无法识别"),
    ("姓名 a b c", "第1行"),
    ("\n".join(["姓名 a b"] * (CHANGED_FIELDS_MAX + 1)), f"最多{CHANGED_FIELDS_MAX}项"),
])
def test_refusals_say_what_to_type(text: str, says: str) -> None:
    with pytest.raises(InputError) as raised:
        parse_changed_fields(text)
    assert says in raised.value.message


@given(st.text(max_size=300))
def test_any_text_parses_or_is_refused(text: str) -> None:
    try:
        fields = parse_changed_fields(text)
    except InputError as error:
        assert len(error.message) < 200
        return
    assert 1 <= len(fields) <= CHANGED_FIELDS_MAX
    assert all(len(f) == 3 and all(f) for f in fields)
