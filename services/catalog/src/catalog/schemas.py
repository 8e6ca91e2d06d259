"""APIFlask schemas: they validate query strings and bodies and document /openapi.json."""
from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Dict, Float, Integer, List, Nested, String
from apiflask.validators import Length, Range, Regexp
from marshmallow import EXCLUDE, RAISE, pre_load

from .domain.org_settings import CANCEL_CUTOFF_HOURS, HHMM, HORIZON_DAYS, INT_RANGES
from .domain.region_file import ID_PATTERN

ID_MESSAGE = "Некорректный идентификатор"


def _id_field(**kwargs):
    return String(validate=Regexp(ID_PATTERN, error=ID_MESSAGE), **kwargs)


class OrganizationsQuery(Schema):
    class Meta:
        unknown = EXCLUDE  # cache-busting parameters of old browsers are harmless

    district_id = _id_field(metadata={"description": "Район (id из /v1/districts)"})
    type_id = _id_field(metadata={"description": "Тип организации"})
    q = String(validate=Length(max=100, error="Не длиннее 100 символов"),
               metadata={"description": "Часть названия или адреса, без учёта регистра"})

    @pre_load
    def _empty_means_any(self, data, **_kwargs):
        # Forms send every filter (?district_id=&type_id=&q=): an empty one means "any".
        return {key: value for key, value in data.items() if value != ""}


class ContextQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    service_id = _id_field(required=True)


class SettingsIn(Schema):
    class Meta:
        unknown = RAISE

    booking_horizon_days = Integer(strict=True, validate=Range(
        *HORIZON_DAYS, error=f"Целое число дней от {HORIZON_DAYS[0]} до {HORIZON_DAYS[1]}"))
    day_opens_at = String(validate=Regexp(HHMM, error="Время в формате ЧЧ:ММ, например 07:00"))
    same_day_booking = Boolean()
    cancel_cutoff_hours = Integer(strict=True, validate=Range(
        *CANCEL_CUTOFF_HOURS,
        error=f"Целое число часов от {CANCEL_CUTOFF_HOURS[0]} до {CANCEL_CUTOFF_HOURS[1]}"))
    no_show_limit = Integer(strict=True, validate=Range(
        *INT_RANGES["no_show_limit"][:2], error="Целое число неявок от 0 до 20"), metadata={
        "description": "Неявок за окно, после которых онлайн-запись приостанавливается; 0 — выкл."})
    no_show_window_days = Integer(strict=True, validate=Range(
        *INT_RANGES["no_show_window_days"][:2], error="Целое число дней от 1 до 365"))
    no_show_suspend_days = Integer(strict=True, validate=Range(
        *INT_RANGES["no_show_suspend_days"][:2], error="Целое число дней от 1 до 365"))


class SettingsOut(Schema):
    booking_horizon_days = Integer()
    day_opens_at = String()
    same_day_booking = Boolean()
    cancel_cutoff_hours = Integer()
    no_show_limit = Integer()
    no_show_window_days = Integer()
    no_show_suspend_days = Integer()


class NamedItem(Schema):
    id = String()
    name = String()


class NamedList(Schema):
    items = List(Nested(NamedItem))


class OrganizationOut(Schema):
    id = String()
    name = String()
    short_name = String()
    address = String()
    phone = String()
    district_id = String()
    type_id = String()
    timezone = String(metadata={"description": "IANA, например Asia/Yekaterinburg"})


class OrganizationList(Schema):
    items = List(Nested(OrganizationOut))


class SubdivisionOut(Schema):
    id = String()
    name = String()
    address = String()


class OrganizationDetail(OrganizationOut):
    subdivisions = List(Nested(SubdivisionOut))


class ServiceOut(Schema):
    id = String()
    name = String()
    specialty = String()
    self_bookable = Boolean()
    paid = Boolean()
    requires_attachment = Boolean()
    requires_referral = Boolean(metadata={"description": "Запись только по направлению врача"})


class ServiceList(Schema):
    items = List(Nested(ServiceOut))


class DoctorOut(Schema):
    id = String()
    full_name = String()
    specialty = String()
    subdivision_id = String(allow_none=True)
    room = String()


class DoctorList(Schema):
    items = List(Nested(DoctorOut))


class PublicDoctorContext(Schema):
    """A doctor with the service and the organization, as anyone may see them (no settings)."""
    organization = Nested(OrganizationOut)
    service = Nested(ServiceOut)
    doctor = Nested(DoctorOut)


class NestedSettings(SettingsOut):
    """SettingsOut is also a top-level answer; apispec must not register one class twice."""


class OrganizationWithSettings(OrganizationOut):
    settings = Nested(NestedSettings)
    type_name = String(metadata={"description": "Название типа организации"})


class DoctorContextDoctor(DoctorOut):
    areas = List(String())
    service_ids = List(String())


class DoctorContext(Schema):
    organization = Nested(OrganizationWithSettings)
    service = Nested(ServiceOut)
    doctor = Nested(DoctorContextDoctor)


class ImportResult(Schema):
    elapsed_seconds = Float()
    counts = Dict(metadata={"description": "По таблицам: inserted, updated (или deleted), total"})
