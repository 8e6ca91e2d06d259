import pytest

from regcommon.ids import parse_slot_id, slot_id_text

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("raw, expected", [
    ("1", 1), ("000123", 123), ("9" * 18, int("9" * 18)), (42, 42),
])
def test_slot_ids_are_decimal_strings_or_plain_integers(raw, expected):
    assert parse_slot_id(raw) == expected
    assert slot_id_text(parse_slot_id(raw)) == str(expected)


@pytest.mark.parametrize("raw", [
    "", "abc", "²", "١", "12\n", " 12", "-1", "1.0", "9" * 19, True, None, 1.0, -5, 10 ** 18,
    ["1"],
])
def test_anything_else_names_no_slot(raw):
    assert parse_slot_id(raw) is None
