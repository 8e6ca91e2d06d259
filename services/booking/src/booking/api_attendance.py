"""Public endpoints of attendance and the no-show rule (docs/internal-contracts.md, "Round 2")."""
from __future__ import annotations

from apiflask import APIBlueprint
from flask import request

from . import attendance
from .api import _instant, actor, body, client, deps

bp = APIBlueprint("attendance", __name__, tag="Attendance")
STAFF = ("registrar", "admin")


@bp.post("/v1/appointments/<appointment_id>/attendance")
def mark_attendance(appointment_id: str):
    return attendance.mark(deps(), actor(STAFF), appointment_id, body(), client())


@bp.get("/v1/me/restrictions")
def my_restrictions():
    return {"items": attendance.restrictions(deps(), actor(("patient",)))}


def _staff_scope():
    who = actor(STAFF)
    organization_id = attendance.staff_organization(who, request.args.get("organization_id"))
    since, until = attendance.check_range(_instant("from"), _instant("to"))
    return who, organization_id, since, until


@bp.get("/v1/admin/attendance")
def day_attendance():
    who, organization_id, since, until = _staff_scope()
    doctor_id = request.args.get("doctor_id") or None
    return {"items": attendance.day_list(deps(), who, organization_id, since, until, doctor_id)}


@bp.get("/v1/admin/no-shows")
def no_show_counts():
    _who, organization_id, since, until = _staff_scope()
    return attendance.counts(deps(), organization_id, since, until)
