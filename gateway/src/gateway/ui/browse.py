"""Steps 1–6 of the seed: district → organization → service → doctor → day grid → times."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, redirect, request, url_for
from regcommon.errors import NotFound
from regcommon.ids import parse_slot_id, slot_id_text

from . import forms, referrals
from .common import get_json, page, q, settings, today, with_query

bp = Blueprint("browse", __name__)


def _district_name(district_id: str) -> str:
    for district in get_json("catalog", "/v1/districts", cached=True).get("items", []):
        if district.get("id") == district_id:
            return district.get("name", "")
    return ""


def _crumbs_to_org(org: dict) -> list:
    district_id = org.get("district_id")
    crumbs = [("Главная", url_for("browse.home"))]
    if district_id:
        crumbs.append((_district_name(district_id) or "Район",
                       url_for("browse.district", district_id=district_id)))
    crumbs.append((org.get("short_name") or org.get("name", ""),
                   url_for("browse.organization", org_id=org["id"])))
    return crumbs


@bp.get("/")
def home():
    districts = get_json("catalog", "/v1/districts", cached=True).get("items", [])
    return page("home.html", districts=districts)


@bp.get("/districts/<district_id>")
def district(district_id: str):
    name = _district_name(district_id)
    if not name:
        raise NotFound("Район не найден")
    type_id = request.args.get("type_id") or None
    types = get_json("catalog", "/v1/organization-types", cached=True).get("items", [])
    params = {"district_id": district_id}
    if type_id:
        params["type_id"] = type_id
    orgs = get_json("catalog", "/v1/organizations", params=params, cached=True).get("items", [])
    crumbs = [("Главная", url_for("browse.home")), (name, None)]
    return page("district.html", district={"id": district_id, "name": name}, types=types,
                type_id=type_id, organizations=orgs, breadcrumbs=crumbs)


def org_services(org_id: str) -> list:
    return get_json("catalog", f"/v1/organizations/{q(org_id)}/services",
                    cached=True).get("items", [])


@bp.get("/organizations/<org_id>")
def organization(org_id: str):
    org = get_json("catalog", f"/v1/organizations/{q(org_id)}", cached=True)
    services = org_services(org_id)
    crumbs = _crumbs_to_org(org)
    crumbs[-1] = (crumbs[-1][0], None)
    return page("organization.html", org=org, services=services, breadcrumbs=crumbs)


@bp.get("/organizations/<org_id>/services/<service_id>")
def service_doctors(org_id: str, service_id: str):
    org = get_json("catalog", f"/v1/organizations/{q(org_id)}", cached=True)
    services = org_services(org_id)
    service = next((s for s in services if s.get("id") == service_id), None)
    if service is None:
        raise NotFound("Услуга не найдена")
    doctors = []
    if service.get("self_bookable", True):
        doctors = get_json("catalog", f"/v1/organizations/{q(org_id)}/services/{q(service_id)}"
                                      "/doctors", cached=True).get("items", [])
    crumbs = _crumbs_to_org(org) + [(service.get("name", ""), None)]
    return page("service.html", org=org, service=service, doctors=doctors, breadcrumbs=crumbs,
                referral=referrals.service_state(service))


def doctor_context(doctor_id: str, service_id: str | None) -> dict:
    if not service_id:
        raise NotFound("Не выбрана услуга: начните запись с выбора учреждения")
    return get_json("catalog", f"/v1/doctors/{q(doctor_id)}", params={"service_id": service_id},
                    cached=True)


def _crumbs_to_doctor(ctx: dict, mode_args: dict, last_is_link: bool) -> list:
    org, service, doctor = ctx["organization"], ctx["service"], ctx["doctor"]
    crumbs = _crumbs_to_org(org)
    crumbs.append((service.get("name", ""), url_for("browse.service_doctors", org_id=org["id"],
                                                    service_id=service["id"])))
    link = with_query(url_for("browse.doctor_grid", doctor_id=doctor["id"]),
                      service_id=service["id"], **mode_args) if last_is_link else None
    crumbs.append((doctor.get("full_name", ""), link))
    return crumbs


def _grid_cells(doctor_id: str, service_id: str, weeks: tuple, reschedule) -> list:
    """Every day of the shown weeks, Monday first; past days have no data and no link."""
    monday, sunday = weeks
    first_day = max(monday, today())
    found = {}
    if first_day <= sunday:
        found = {d.get("date"): d for d in get_json(
            "schedule", f"/v1/doctors/{q(doctor_id)}/days", cached=True, params={
                "service_id": service_id, "from": first_day.isoformat(),
                "to": sunday.isoformat()}).get("items", [])}
    cells = []
    for offset in range((sunday - monday).days + 1):
        day = monday + timedelta(days=offset)
        cell = forms.grid_cell(day, found.get(day.isoformat()), today())
        cell["link"] = with_query(url_for("browse.doctor_day", doctor_id=doctor_id),
                                  service_id=service_id, date=cell["date"],
                                  reschedule=reschedule) if cell["bookable"] else None
        cells.append(cell)
    return cells


@bp.get("/doctors/<doctor_id>")
def doctor_grid(doctor_id: str):
    service_id = request.args.get("service_id")
    reschedule = request.args.get("reschedule") or None
    ctx = doctor_context(doctor_id, service_id)
    first_day = today()
    start = max(forms.parse_day(request.args.get("from"), first_day), first_day)
    span = settings().grid_days
    monday, sunday = forms.grid_weeks(start, span)
    base = url_for("browse.doctor_grid", doctor_id=doctor_id)
    prev_link = None
    if monday > first_day:
        # Pages are chained from today's: the one before ends on the Sunday before this Monday.
        first_page_end = forms.grid_weeks(first_day, span)[1]
        prev_from = first_day if first_page_end >= monday - timedelta(days=1) \
            else monday - timedelta(days=span)
        prev_link = with_query(base, service_id=service_id, reschedule=reschedule,
                               **{"from": prev_from.isoformat()})
    next_link = with_query(base, service_id=service_id, reschedule=reschedule,
                           **{"from": (sunday + timedelta(days=1)).isoformat()})
    cells = _grid_cells(doctor_id, service_id, (monday, sunday), reschedule)
    return page("grid.html", ctx=ctx, cells=cells, prev_link=prev_link, next_link=next_link,
                reschedule=reschedule, period=(monday, sunday), weekdays=forms.WEEKDAYS_SHORT,
                breadcrumbs=_crumbs_to_doctor(ctx, {"reschedule": reschedule}, False))


def free_times(doctor_id: str, service_id: str, day: str) -> list:
    slots = get_json("schedule", f"/v1/doctors/{q(doctor_id)}/slots",
                     params={"service_id": service_id, "date": day}).get("items", [])
    return [{**slot, "time": forms.hhmm(slot.get("start"))} for slot in slots]


@bp.get("/book/slot/<slot_id>")
def offered_slot(slot_id: str):
    """The link of a waiting-list message: the day page of the offered time, where the patient
    books it like any other (or sees it was taken meanwhile, with the other free times)."""
    parsed = parse_slot_id(slot_id)
    if parsed is None:
        abort(404)
    slot = get_json("schedule", f"/v1/slots/{slot_id_text(parsed)}")
    service_id = request.args.get("service_id") or (slot.get("service_ids") or [None])[0]
    day = slot.get("date") or str(slot.get("start", ""))[:10]
    return redirect(with_query(url_for("browse.doctor_day", doctor_id=slot["doctor_id"]),
                               service_id=service_id, date=day))


@bp.get("/doctors/<doctor_id>/day")
def doctor_day(doctor_id: str):
    service_id = request.args.get("service_id")
    reschedule = request.args.get("reschedule") or None
    day = request.args.get("date") or ""
    if forms.parse_day(day, None) is None:  # type: ignore[arg-type]
        abort(404)
    ctx = doctor_context(doctor_id, service_id)
    slots = free_times(doctor_id, service_id, day)
    has_free = any(slot.get("bookable") for slot in slots)
    crumbs = _crumbs_to_doctor(ctx, {"reschedule": reschedule}, True)
    crumbs.append((forms.human_date(day), None))
    grid_link = with_query(url_for("browse.doctor_grid", doctor_id=doctor_id),
                           service_id=service_id, reschedule=reschedule)
    return page("day.html", ctx=ctx, slots=slots, has_free=has_free, day=day,
                day_label=forms.human_date(day), reschedule=reschedule, grid_link=grid_link,
                breadcrumbs=crumbs)
