"""The referral rules as pure functions: when a booking needs one, which error it gets, how a
referral's status reads, what an issue body must carry."""
from datetime import date, datetime, timezone

import pytest

from booking import referrals
from booking.context import Actor
from booking.domain import errors
from booking.referral_cases import parse_issue

NOW = datetime(2026, 12, 1, 20, 0, tzinfo=timezone.utc)  # 2026-12-02 01:00 in Yekaterinburg


class StubUow:
    def __init__(self, answers):
        self.answers, self.calls = list(answers), []

    def use_referral(self, **match):
        self.calls.append(match)
        return self.answers.pop(0) if self.answers else None


def row(referral=None):
    snapshot = {"timezone": "Asia/Yekaterinburg"}
    referrals.mark(snapshot, {"requires_referral": referral is not None}, referral)
    return {"id": "a-1", "patient_id": "p-1", "service_id": "svc-1", "specialty": "Кардиология",
            "snapshot": snapshot}


def test_a_service_without_the_flag_never_touches_referrals():
    uow = StubUow(["r-1"])
    assert referrals.use_for_booking(uow, row(), NOW) is None
    assert uow.calls == []


def test_the_chosen_referral_is_used_with_the_organizations_date():
    uow = StubUow(["r-7"])
    assert referrals.use_for_booking(uow, row("r-7"), NOW) == "r-7"
    (call,) = uow.calls
    assert call["referral_id"] == "r-7" and call["today"] == date(2026, 12, 2)
    assert (call["service_id"], call["specialty"]) == ("svc-1", "Кардиология")


def test_a_chosen_but_unusable_referral_is_invalid_and_tried_once():
    uow = StubUow([])
    with pytest.raises(errors.ReferralInvalid):
        referrals.use_for_booking(uow, row("r-7"), NOW)
    assert len(uow.calls) == 1


def test_without_a_choice_none_found_is_required_after_a_few_tries():
    snapshot_row = row("x")
    snapshot_row["snapshot"]["referral"]["requested_id"] = None
    uow = StubUow([None, None, None])
    with pytest.raises(errors.ReferralRequired) as raised:
        referrals.use_for_booking(uow, snapshot_row, NOW)
    assert raised.value.code == "referral_required"
    assert len(uow.calls) == referrals.AUTO_ATTEMPTS
    # A concurrent booking took the first pick: the next try finds another.
    uow = StubUow([None, "r-2"])
    assert referrals.use_for_booking(uow, snapshot_row, NOW) == "r-2"


def test_an_active_referral_past_its_last_day_reads_as_expired():
    today = date(2026, 12, 2)
    assert referrals.display_status({"status": "active", "expires_on": today}, today) == "active"
    assert referrals.display_status({"status": "active", "expires_on": date(2026, 12, 1)},
                                    today) == "expired"
    assert referrals.display_status({"status": "used", "expires_on": date(2026, 12, 1)},
                                    today) == "used"


REGISTRAR = Actor(id="s-1", role="registrar", organization_id="o-1", name="Регистратор")
ADMIN = Actor(id="s-2", role="admin", organization_id=None)
PATIENT = "9c7f49f3-a630-4f5b-825d-058cb073cd5c"


def test_a_registrar_issues_in_their_own_organization_whatever_the_body_says():
    req = parse_issue(REGISTRAR, {"patient_id": PATIENT, "specialty": " Кардиология ",
                                  "expires_on": "2026-12-20", "organization_id": "o-9"},
                      date(2026, 12, 2))
    assert (req.organization_id, req.specialty, req.service_id) == ("o-1", "Кардиология", None)


def test_an_admin_names_the_organization():
    with pytest.raises(errors.InvalidInput) as raised:
        parse_issue(ADMIN, {"patient_id": PATIENT, "service_id": "svc-1",
                            "expires_on": "2026-12-20"}, date(2026, 12, 2))
    assert "organization_id" in raised.value.fields


def test_an_import_row_needs_its_source():
    with pytest.raises(errors.InvalidInput) as raised:
        parse_issue(REGISTRAR, {"patient_id": PATIENT, "service_id": "svc-1",
                                "expires_on": "2026-12-20"}, date(2026, 12, 2), imported=True)
    assert set(raised.value.fields) == {"source_system", "source_number"}


@pytest.mark.parametrize("body", [None, [], "x", 5])
def test_a_body_that_is_not_an_object_is_a_validation_error(body):
    with pytest.raises(errors.InvalidInput):
        parse_issue(REGISTRAR, body, date(2026, 12, 2))
