"""Issue 12: the pure rules of family links: age at the 18th birthday, documents, parsing."""
from __future__ import annotations

from datetime import date

import pytest

from auth.domain import links as rules
from auth.domain.errors import InvalidInput

TODAY = date(2026, 12, 3)


@pytest.mark.parametrize("birth, age", [
    (date(2008, 12, 3), 18), (date(2008, 12, 4), 17), (date(2008, 12, 2), 18),
    (date(2026, 12, 3), 0), (date(1990, 1, 1), 36)])
def test_full_years(birth, age):
    assert rules.age_on(birth, TODAY) == age


def test_a_leap_day_child_comes_of_age_on_the_first_of_march():
    born = date(2008, 2, 29)
    assert rules.is_minor(born, date(2026, 2, 28))
    assert not rules.is_minor(born, date(2026, 3, 1))


def test_a_child_link_ends_on_the_18th_birthday_and_not_a_day_before():
    eve, birthday = date(2026, 12, 2), date(2026, 12, 3)
    born = date(2008, 12, 3)
    assert rules.effective_status("child", "confirmed", None, born, eve) == ("confirmed", None)
    assert rules.usable("child", "confirmed", born, eve)
    assert rules.effective_status("child", "confirmed", None, born, birthday) == (
        "ended", "subject_adult")
    assert not rules.usable("child", "confirmed", born, birthday)
    # An adult's link is not ended by age; a pending one is not usable.
    assert rules.usable("adult", "confirmed", date(1950, 1, 1), birthday)
    assert not rules.usable("adult", "pending", date(1950, 1, 1), birthday)
    # An ended link keeps the reason it was ended with.
    assert rules.effective_status("child", "ended", "holder", born, birthday) == ("ended", "holder")


def _request(kind="child", **extra):
    body = {"kind": kind, "policy": {"type": "oms_unified", "number": "5680784863159153"},
            **extra}
    return rules.parse_link_request(body, TODAY)


def test_parsing_normalises_the_birth_certificate_and_wants_the_right_document():
    request = _request(birth_certificate="iv-ai 123456".upper().replace("AI", "АИ"))
    assert request.birth_certificate == "IV-АИ 123456" and request.birth_date is None
    with pytest.raises(InvalidInput) as missing:
        _request()
    assert set(missing.value.fields) == {"birth_certificate"}
    adult = _request("adult", birth_date="1960-05-01")
    assert adult.birth_date == date(1960, 5, 1)
    with pytest.raises(InvalidInput) as future:
        _request("adult", birth_date="2030-01-01")
    assert "birth_date" in future.value.fields
    with pytest.raises(InvalidInput):
        rules.parse_link_request(["child"], TODAY)


def test_the_subject_must_match_its_documents_and_age():
    child = _request(birth_certificate="IV-АИ 123456")
    ok = dict(holder_id="h", subject_id="s", today=TODAY)
    rules.check_subject(child, subject_birth=date(2015, 1, 1), certificates=["IV-АИ 123456"], **ok)
    with pytest.raises(rules.LinkDocumentMismatch):
        rules.check_subject(child, subject_birth=date(2015, 1, 1), certificates=["I-АИ 123456"], **ok)
    with pytest.raises(rules.LinkSubjectAdult):
        rules.check_subject(child, subject_birth=date(2008, 12, 3), certificates=["IV-АИ 123456"], **ok)
    with pytest.raises(rules.LinkSelf):
        rules.check_subject(child, holder_id="s", subject_id="s", subject_birth=date(2015, 1, 1),
                            certificates=["IV-АИ 123456"], today=TODAY)
    adult = _request("adult", birth_date="1960-05-01")
    rules.check_subject(adult, subject_birth=date(1960, 5, 1), certificates=[], **ok)
    with pytest.raises(rules.LinkDocumentMismatch):
        rules.check_subject(adult, subject_birth=date(1960, 5, 2), certificates=[], **ok)
    minor = _request("adult", birth_date="2015-01-01")
    with pytest.raises(rules.LinkSubjectMinor):
        rules.check_subject(minor, subject_birth=date(2015, 1, 1), certificates=[], **ok)


def test_every_link_error_has_a_code_a_status_and_a_russian_message():
    kinds = [cls for cls in vars(rules).values()
             if isinstance(cls, type) and issubclass(cls, rules.LinkError) and cls is not rules.LinkError]
    assert len({cls.code for cls in kinds}) == len(kinds) >= 8
    for cls in kinds:
        assert cls.code.startswith("link_") and 400 <= cls.status < 500
        assert any("\u0400" <= ch <= "\u04ff" for ch in cls.message)
