"""Internal endpoints: the talon (JSON, PDF, printable HTML), notifications and dead letters."""
from __future__ import annotations

import uuid

from apiflask import APIBlueprint
from flask import Response, current_app, jsonify, request

from regcommon.db import session_scope
from regcommon.errors import ApiError, NotFound
from regcommon.web import require_internal, settings_of_app

from .adapters import repository as repo

bp = APIBlueprint("tickets_internal", __name__)

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@bp.before_request
def _internal_only():
    require_internal(settings_of_app())


def _sessions():
    return current_app.extensions["sessions"]


def _appointment_id(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise NotFound("Талон не найден") from None


def _iso(moment):
    moment = repo.as_utc(moment)
    return moment.isoformat() if moment else None


def _rendering() -> Response:
    response = jsonify({"status": "rendering"})
    response.status_code = 202
    response.headers.update({"Retry-After": "1", **NO_STORE})
    return response


def _void() -> ApiError:
    return ApiError(410, "ticket_void", "Запись отменена, талон недействителен")


@bp.get("/internal/tickets/<appointment_id>")
def ticket(appointment_id: str):
    with session_scope(_sessions()) as session:
        row = repo.ticket_status(session, _appointment_id(appointment_id))
    if row is None:
        raise NotFound("Талон не найден")
    body = {"appointment_id": row["appointment_id"], "number": row["number"], "status": row["status"],
            "verification_code": row["verification_code"], "version": row["version"],
            "rendered_at": _iso(row["rendered_at"])}
    return body, 200, NO_STORE


def _rendered(appointment_id: str, column: str):
    """The rendered file, or an early answer (202 while rendering, 410 when void)."""
    with session_scope(_sessions()) as session:
        row = repo.ticket_status(session, _appointment_id(appointment_id))
        if row is None or row["status"] == "rendering" or row["rendered_version"] is None:
            if row is not None and row["status"] == "void":
                raise _void()
            return None, _rendering()
        if row["status"] == "void":
            raise _void()
        content = repo.ticket_content(session, row["appointment_id"], column)
    return (row, content), None


@bp.get("/internal/tickets/<appointment_id>.pdf")
def ticket_pdf(appointment_id: str):
    found, early = _rendered(appointment_id, "pdf")
    if early is not None:
        return early
    row, pdf = found
    response = Response(pdf, mimetype="application/pdf", headers=NO_STORE)
    response.headers["Content-Disposition"] = f'inline; filename="talon-{row["number"]}.pdf"'
    return response


@bp.get("/internal/tickets/<appointment_id>.html")
def ticket_html(appointment_id: str):
    found, early = _rendered(appointment_id, "html")
    if early is not None:
        return early
    _row, html = found
    headers = {**NO_STORE, "X-Content-Type-Options": "nosniff",
               "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                          "script-src 'unsafe-inline'; img-src data:"}
    return Response(html, mimetype="text/html", headers=headers)


@bp.get("/internal/notifications")
def notifications():
    appointment_id = request.args.get("appointment_id")
    if appointment_id is not None:
        try:
            appointment_id = str(uuid.UUID(appointment_id))
        except ValueError:
            raise ApiError(422, "validation_failed", "Проверьте правильность заполнения полей",
                           {"appointment_id": "Должен быть UUID"}) from None
    with session_scope(_sessions()) as session:
        rows = repo.list_notifications(session, appointment_id)
    items = [{"id": r["id"], "kind": r["kind"], "channel": r["channel"], "appointment_id": r["appointment_id"],
              "waitlist_entry_id": r["waitlist_entry_id"], "recipient": r["recipient"],
              "subject": r["subject"], "body": r["body"], "status": r["status"], "attempts": r["attempts"],
              "last_error": r["last_error"], "created_at": _iso(r["created_at"]), "sent_at": _iso(r["sent_at"])}
             for r in rows]
    return {"items": items}, 200, NO_STORE


@bp.get("/internal/dead-letters")
def dead_letters():
    with session_scope(_sessions()) as session:
        rows = repo.list_dead_letters(session)
    items = [{"id": r["id"], "task_name": r["task_name"], "task_id": r["task_id"], "args": r["args"],
              "error": r["error"], "created_at": _iso(r["created_at"])} for r in rows]
    return {"items": items}, 200, NO_STORE
