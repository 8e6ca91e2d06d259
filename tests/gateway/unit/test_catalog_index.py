"""The gateway's in-memory catalog view for the earliest-time search: one snapshot read a minute,
the previous one answering meanwhile, and no view at all (the per-request catalog call) until a
snapshot could be read."""
import pytest

from gateway.catalog_index import CatalogIndex, Index

pytestmark = pytest.mark.unit

SNAPSHOT = {
    "organizations": {"o-1": {"id": "o-1", "name": "Поликлиника 1", "district_id": "d-1"},
                      "o-2": {"id": "o-2", "name": "Поликлиника 2", "district_id": "d-2"}},
    "services": {"s-1": {"id": "s-1", "name": "Терапевт", "specialty": "Терапия",
                         "organization_id": "o-1", "self_bookable": True,
                         "requires_attachment": True},
                 "s-2": {"id": "s-2", "name": "Терапевт", "specialty": "Терапия",
                         "organization_id": "o-2", "self_bookable": True,
                         "requires_attachment": True},
                 "s-3": {"id": "s-3", "name": "Хирург", "specialty": "Хирургия",
                         "organization_id": "o-1", "self_bookable": False,
                         "requires_attachment": False}},
    "doctors": {"d-1": {"id": "d-1", "full_name": "Яковлева", "areas": ["2"],
                        "service_ids": ["s-1"]},
                "d-2": {"id": "d-2", "full_name": "Андреев", "areas": [], "service_ids": ["s-1"]},
                "d-3": {"id": "d-3", "full_name": "Борисов", "areas": ["1"],
                        "service_ids": ["s-2", "s-3"]}},
}


def test_the_same_kind_in_each_scope_with_doctors_by_name():
    index = Index(SNAPSHOT)
    region = index.offers("s-1")
    assert [i["service_id"] for i in region["items"]] == ["s-1", "s-2"]
    district = index.offers("s-2", district_id="d-1", with_doctors=True)
    (only,) = district["items"]
    assert only["organization"]["id"] == "o-1"
    assert [d["full_name"] for d in only["doctors"]] == ["Андреев", "Яковлева"]
    assert index.offers("s-1", organization_ids=["o-2"])["items"][0]["service_id"] == "s-2"
    assert index.doctor_names(["d-3", "nobody"]) == {"d-3": {"id": "d-3", "full_name": "Борисов"}}


def test_one_read_a_minute_and_none_until_the_first_succeeds():
    now = [0.0]
    answers = [None, SNAPSHOT, SNAPSHOT]
    calls = []

    def fetch():
        calls.append(now[0])
        return answers.pop(0)

    holder = CatalogIndex(fetch, ttl=60, clock=lambda: now[0])
    assert holder.current() is None  # the catalog had no snapshot: callers ask it directly
    assert holder.current() is None and len(calls) == 1  # retried later, not per request
    now[0] = 6
    first = holder.current()
    assert first is not None and len(calls) == 2
    now[0] = 50
    assert holder.current() is first and len(calls) == 2
    now[0] = 67
    assert holder.current() is not first and len(calls) == 3


def test_a_failed_renewal_keeps_the_previous_view():
    now = [0.0]
    answers = [SNAPSHOT]

    def fetch():
        if not answers:
            raise ConnectionError("catalog down")
        return answers.pop(0)

    holder = CatalogIndex(fetch, ttl=60, clock=lambda: now[0])
    first = holder.current()
    now[0] = 61
    assert holder.current() is first


def test_the_region_wide_offers_of_a_kind_are_listed_once_per_snapshot():
    index = Index(SNAPSHOT)
    first, again = index.offers("s-1"), index.offers("s-2")
    assert first["items"] is again["items"]  # the same kind: one list, built once
    assert [first["service"]["id"], again["service"]["id"]] == ["s-1", "s-2"]
    assert [i["service_id"] for i in index.offers("s-1", district_id="d-2")["items"]] == ["s-2"]
    assert index.offers("s-3")["items"] is not first["items"]
    assert [i["service_id"] for i in Index(SNAPSHOT).offers("s-2")["items"]] == ["s-1", "s-2"]
