"""Flattening a validated region file into table rows (pure; the importer writes them)."""
from __future__ import annotations

from regcommon.instants import DEFAULT_TIMEZONE

from .org_settings import INT_RANGES, with_defaults
from .search import search_text

NO_SHOW_KEYS = tuple(INT_RANGES)



def region_rows(document: dict) -> dict[str, list[dict]]:
    """Rows per table name, in the order they must be written (parents before children)."""
    rows: dict[str, list[dict]] = {name: [] for name in (
        "districts", "organization_types", "organizations", "subdivisions", "services",
        "doctors", "doctor_services", "doctor_areas")}
    for position, district in enumerate(document["districts"]):
        rows["districts"].append({"id": district["id"], "name": district["name"],
                                  "position": position})
    for position, org_type in enumerate(document["organization_types"]):
        rows["organization_types"].append({"id": org_type["id"], "name": org_type["name"],
                                           "position": position})
    region_tz = document.get("timezone") or DEFAULT_TIMEZONE
    for position, org in enumerate(document["organizations"]):
        settings = with_defaults(org.get("settings"))
        rows["organizations"].append({
            "id": org["id"], "position": position, "name": org["name"],
            "short_name": org["short_name"], "address": org["address"],
            "phone": org.get("phone") or "", "district_id": org["district_id"],
            "type_id": org["type_id"], "timezone": org.get("timezone") or region_tz,
            "booking_horizon_days": settings["booking_horizon_days"],
            "day_opens_at": settings["day_opens_at"],
            "same_day_booking": settings["same_day_booking"],
            "cancel_cutoff_hours": settings["cancel_cutoff_hours"],
            **{key: settings[key] for key in NO_SHOW_KEYS},
            "search_text": search_text(org["name"], org["short_name"], org["address"]),
        })
        for sub_position, sub in enumerate(org.get("subdivisions") or []):
            rows["subdivisions"].append({
                "id": sub["id"], "organization_id": org["id"], "position": sub_position,
                "name": sub["name"], "address": sub.get("address") or org["address"]})
        for svc_position, service in enumerate(org["services"]):
            rows["services"].append({
                "id": service["id"], "organization_id": org["id"], "position": svc_position,
                "name": service["name"], "specialty": service["specialty"],
                "self_bookable": service.get("self_bookable", True),
                "paid": service.get("paid", False),
                "requires_attachment": service.get("requires_attachment", False),
                "requires_referral": service.get("requires_referral", False)})
        for doctor in org["doctors"]:
            rows["doctors"].append({
                "id": doctor["id"], "organization_id": org["id"],
                "last_name": doctor["last_name"], "first_name": doctor["first_name"],
                "middle_name": doctor.get("middle_name") or "",
                "specialty": doctor["specialty"], "subdivision_id": doctor.get("subdivision_id"),
                "room": doctor.get("room") or ""})
            for service_id in doctor["service_ids"]:
                rows["doctor_services"].append({"doctor_id": doctor["id"],
                                                "service_id": service_id})
            for area in dict.fromkeys(doctor.get("areas") or []):
                rows["doctor_areas"].append({"doctor_id": doctor["id"], "area": area})
    return rows
