"""The catalog's use cases over fakes of its ports (catalog/ports.py): no database."""
import pytest

from catalog.domain.errors import CatalogNotFound, NotAllowed, SettingsInvalid
from catalog.domain.region_file import RegionFileInvalid
from catalog.demo.generator import generate_region
from catalog.services import Catalog


def region():
    return generate_region(scale=0.01, seed=7)

pytestmark = pytest.mark.unit

SETTINGS = {"booking_horizon_days": 14, "day_opens_at": "07:00", "same_day_booking": False,
            "cancel_cutoff_hours": 0}
ORG = {"id": "o-1", "name": "Поликлиника № 1"}


class FakeStore:
    def __init__(self):
        self.settings = {"o-1": dict(SETTINGS)}
        self.updates = []

    def organization(self, organization_id, *, with_settings=False):
        if organization_id != "o-1":
            return None
        return {**ORG, "settings": dict(self.settings["o-1"])} if with_settings \
            else {**ORG, "subdivisions": []}

    def services(self, organization_id):
        return [{"id": "s-1", "name": "Терапевт"}]

    def service(self, service_id):
        return {"s-1": {"id": "s-1", "name": "Терапевт", "organization_id": "o-1"},
                "s-x": {"id": "s-x", "name": "Чужая", "organization_id": "o-2"}}.get(service_id)

    def doctors_of_service(self, service_id):
        return [{"id": "d-1", "full_name": "Иванова Анна"}]

    def doctor(self, doctor_id):
        if doctor_id != "d-1":
            return None
        return {"id": "d-1", "full_name": "Иванова Анна", "organization_id": "o-1",
                "areas": ["1"], "service_ids": ["s-1"]}

    def update_settings(self, organization_id, values):
        self.updates.append((organization_id, values))
        if organization_id != "o-1":
            return None
        self.settings["o-1"].update(values)
        return dict(self.settings["o-1"])


class FakeWriter:
    def __init__(self):
        self.rows = []

    def __call__(self, rows):
        self.rows.append(rows)
        return {name: {"total": len(items)} for name, items in rows.items()}


@pytest.fixture
def store():
    return FakeStore()


@pytest.fixture
def writer():
    return FakeWriter()


@pytest.fixture
def catalog(store, writer):
    return Catalog(store, writer)


REGISTRAR = {"role": "registrar", "organization_id": "o-1", "sub": "st-1"}
ADMIN = {"role": "admin", "sub": "st-0"}


def test_an_unknown_organization_is_not_found_with_a_russian_message(catalog):
    with pytest.raises(CatalogNotFound, match="организация не найдена"):
        catalog.services("o-9")
    with pytest.raises(CatalogNotFound):
        catalog.organization("o-9")
    assert catalog.services("o-1") == [{"id": "s-1", "name": "Терапевт"}]


def test_doctors_of_a_service_of_another_organization_are_not_found(catalog):
    assert catalog.doctors("o-1", "s-1")[0]["id"] == "d-1"
    with pytest.raises(CatalogNotFound, match="Услуга"):
        catalog.doctors("o-1", "s-x")
    with pytest.raises(CatalogNotFound):
        catalog.doctors("o-1", "s-missing")


def test_the_doctor_context_joins_doctor_service_and_organization(catalog):
    ctx = catalog.doctor_context("d-1", "s-1")
    assert ctx["organization"]["settings"] == SETTINGS
    assert ctx["service"] == {"id": "s-1", "name": "Терапевт"}
    assert "organization_id" not in ctx["doctor"] and ctx["doctor"]["areas"] == ["1"]
    with pytest.raises(CatalogNotFound, match="не оказывает"):
        catalog.doctor_context("d-1", "s-x")
    with pytest.raises(CatalogNotFound, match="Врач не найден"):
        catalog.doctor_context("d-9", "s-1")


def test_the_public_doctor_context_leaves_out_what_only_services_read(catalog):
    ctx = catalog.public_doctor_context("d-1", "s-1")
    assert "settings" not in ctx["organization"]
    assert "areas" not in ctx["doctor"] and "service_ids" not in ctx["doctor"]


def test_a_registrar_changes_the_settings_of_their_own_organization_only(catalog, store):
    assert catalog.update_settings(REGISTRAR, "o-1", {"same_day_booking": True})[
        "same_day_booking"] is True
    with pytest.raises(NotAllowed):
        catalog.update_settings({**REGISTRAR, "organization_id": "o-2"}, "o-1",
                                {"same_day_booking": False})
    with pytest.raises(NotAllowed):
        catalog.staff_settings({"role": "patient", "sub": "p-1"}, "o-1")
    assert store.updates == [("o-1", {"same_day_booking": True})]


def test_invalid_settings_name_each_field_and_change_nothing(catalog, store):
    with pytest.raises(SettingsInvalid) as caught:
        catalog.update_settings(ADMIN, "o-1", {"booking_horizon_days": 0, "colour": "red"})
    assert set(caught.value.fields) == {"booking_horizon_days", "colour"}
    assert store.updates == []
    assert catalog.update_settings(ADMIN, "o-1", {}) == SETTINGS  # nothing asked, nothing written
    assert store.updates == []
    with pytest.raises(CatalogNotFound):
        catalog.update_settings(ADMIN, "o-9", {"same_day_booking": True})


def test_only_an_admin_imports_and_a_bad_file_writes_nothing(catalog, writer):
    with pytest.raises(NotAllowed):
        catalog.import_region(REGISTRAR, region())
    broken = region()
    broken["organizations"][0]["doctors"][0]["service_ids"] = ["svc-none"]
    expected_doctors = len([d for o in region()["organizations"] for d in o["doctors"]])
    with pytest.raises(RegionFileInvalid):
        catalog.import_region(ADMIN, broken)
    assert writer.rows == []
    result = catalog.import_region(ADMIN, region())
    assert len(writer.rows) == 1 and result["counts"]["doctors"]["total"] == expected_doctors
