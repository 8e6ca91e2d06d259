"""The public parameters of GET /api/v1/earliest-slots and the attachment rule of the search."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from regcommon.errors import ValidationFailed

from gateway.earliest import DEFAULT_LIMIT, Scope, parse
from regcommon.attachment import is_attached

pytestmark = pytest.mark.unit
ZONE = ZoneInfo("Asia/Yekaterinburg")


def test_defaults_and_scopes():
    assert parse({"service_id": "svc-1"}, ZONE) == (Scope("svc-1"), DEFAULT_LIMIT, None)
    scope, limit, start = parse({"service_id": "svc-1", "district_id": "d-001", "limit": "20",
                                 "from": "2026-12-05"}, ZONE)
    assert scope == Scope("svc-1", district_id="d-001") and limit == 20
    assert start == datetime(2026, 12, 5, tzinfo=ZONE)
    assert parse({"service_id": "s", "from": "2026-12-05T10:00:00+03:00"}, ZONE)[2].hour == 10


@pytest.mark.parametrize("args, field", [
    ({}, "service_id"), ({"service_id": " "}, "service_id"), ({"service_id": "a/b"}, "service_id"),
    ({"service_id": "s", "organization_id": "o", "district_id": "d"}, "district_id"),
    ({"service_id": "s", "organization_id": "x" * 65}, "organization_id"),
    ({"service_id": "s", "limit": "-1"}, "limit"), ({"service_id": "s", "limit": "1.5"}, "limit"),
    ({"service_id": "s", "from": "tomorrow"}, "from"),
    ({"service_id": "s", "from": "2026-12-05T10:00"}, "from"),
    ({"service_id": "s", "from": "9999-12-31"}, "from"),
])
def test_each_mistake_names_its_parameter(args, field):
    with pytest.raises(ValidationFailed) as caught:
        parse(args, ZONE)
    assert field in caught.value.fields


def test_attachment_is_the_organization_and_the_area_when_both_name_one():
    mine = [{"organization_id": "o-1", "area": "3"}]
    assert is_attached(mine, "o-1", ["3", "4"]) and is_attached(mine, "o-1", [])
    assert not is_attached(mine, "o-1", ["5"]) and not is_attached(mine, "o-2", [])
    assert is_attached([{"organization_id": "o-1", "area": None}], "o-1", ["5"])
    assert not is_attached([], "o-1", [])
