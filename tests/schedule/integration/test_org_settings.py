"""Organization settings come from the catalog when it answers, else from the imported copy."""
import pytest

pytestmark = pytest.mark.integration
GRID = "/v1/doctors/doc-000001/days?service_id=svc-0001-01&from=2026-12-01&to=2026-12-01"


class FakeCatalog:
    def __init__(self, status, body=None):
        self.status, self.body, self.calls = status, body, 0

    def get(self, path, **_kw):
        self.calls += 1
        assert path == "/internal/organizations/o-0001/settings"
        status, body = self.status, self.body

        class Answer:
            pass

        answer = Answer()
        answer.status, answer.json = status, (lambda: body)
        return answer


def test_same_day_booking_from_the_catalog_opens_today_and_is_cached(sqlite_url, make_app):
    app = make_app(sqlite_url)
    catalog = FakeCatalog(200, {"booking_horizon_days": 14, "day_opens_at": "07:00",
                                "same_day_booking": True, "cancel_cutoff_hours": 0})
    app.extensions["schedule"].orgs.catalog = catalog
    client = app.test_client()
    today = client.get(GRID).json["items"][0]
    assert today["bookable"] is True and today["free"] == 17  # the 08:00 slot has started
    client.get(GRID)
    assert catalog.calls == 1


def test_stored_settings_are_used_when_the_catalog_fails(sqlite_url, make_app):
    app = make_app(sqlite_url)
    app.extensions["schedule"].orgs.catalog = FakeCatalog(404)
    assert app.test_client().get(GRID).json["items"][0]["bookable"] is False


def test_slots_of_today_that_have_started_are_not_counted(sqlite_url, make_app, now):
    from datetime import timedelta

    app = make_app(sqlite_url, clock=lambda: now + timedelta(hours=2))  # 10:00 local
    app.extensions["schedule"].orgs.catalog = FakeCatalog(200, {"same_day_booking": True})
    today = app.test_client().get(GRID).json["items"][0]
    assert today["bookable"] is True and today["free"] < 18
