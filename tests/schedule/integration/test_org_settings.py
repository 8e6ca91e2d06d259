"""Organization settings come from the catalog when it answers, else from the imported copy."""
import pytest

pytestmark = pytest.mark.integration
GRID = "/v1/doctors/doc-000001/days?service_id=svc-0001-01&from=2026-12-01&to=2026-12-01"


class FakeCatalog:
    """The catalog's settings endpoints: every organization's at once, or one's."""

    def __init__(self, status, body=None, listed=True):
        self.status, self.body, self.listed, self.paths = status, body, listed, []

    @property
    def calls(self):
        return len(self.paths)

    def get(self, path, **_kw):
        self.paths.append(path)
        assert path in ("/internal/organizations/settings", "/internal/organizations/o-0001/settings")
        status, body = self.status, self.body
        if path == "/internal/organizations/settings":
            body = {"items": {"o-0001": body} if self.listed else {}}

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


def test_every_organization_comes_from_one_call(sqlite_url, make_app):
    app = make_app(sqlite_url)
    catalog = FakeCatalog(200, {"same_day_booking": True})
    app.extensions["schedule"].orgs.catalog = catalog
    client = app.test_client()
    for _ in range(3):
        assert client.get(GRID).json["items"][0]["bookable"] is True
    assert catalog.paths == ["/internal/organizations/settings"]


def test_an_organization_the_list_lacks_is_asked_for_alone(sqlite_url, make_app):
    app = make_app(sqlite_url)
    catalog = FakeCatalog(200, {"same_day_booking": True}, listed=False)
    app.extensions["schedule"].orgs.catalog = catalog
    assert app.test_client().get(GRID).json["items"][0]["bookable"] is True
    assert catalog.paths == ["/internal/organizations/settings",
                             "/internal/organizations/o-0001/settings"]
