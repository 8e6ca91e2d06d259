"""Use cases of family and proxy links (issue 12): link, list, accept, confirm, end, act as.

The patient's side is here; the reception's (org-scoped, audited) is in links_registry.py. A
link is judged as it stands today (domain/links.effective_status): a child's stops at 18.
"""
from __future__ import annotations

import logging

from .claims import patient_claims
from .context import Context
from .domain import links as rules
from .domain.links import LinkRequest
from .domain.login import Limit
from .domain.errors import TooManyAttempts
from .ports import AuthUnitOfWork
from .services import _limited, today

# A holder guessing a stranger's birth certificate for a known policy: 10 wrong documents an
# hour, then an hour's pause (the reception can always link in person).
LINK_LIMIT = Limit("link_holder", max_failures=10, window=3600, lockout=3600)

log = logging.getLogger("auth.links")


def view(row, names: dict[str, dict], me: str | None = None) -> dict:
    """A link as the API answers it (names only: never a document number)."""
    subject = names.get(row.subject_patient_id) or {}
    holder = names.get(row.holder_patient_id) or {}
    status, reason = row.status, row.end_reason
    if subject.get("birth_date") is not None:
        status, reason = rules.effective_status(row.kind, row.status, row.end_reason,
                                                subject["birth_date"], today())
    body = {"id": row.id, "kind": row.kind, "status": status, "end_reason": reason,
            "holder": {"id": row.holder_patient_id, "full_name": holder.get("full_name")},
            "subject": {"id": row.subject_patient_id, "full_name": subject.get("full_name")},
            "created_at": _iso(row.created_at), "confirmed_at": _iso(row.confirmed_at),
            "ended_at": _iso(row.ended_at)}
    if me is not None:
        body["direction"] = "outgoing" if row.holder_patient_id == me else "incoming"
    return body


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def views(uow: AuthUnitOfWork, rows, me: str | None = None) -> list[dict]:
    ids = {r.holder_patient_id for r in rows} | {r.subject_patient_id for r in rows}
    names = uow.people(ids)
    return [view(row, names, me) for row in rows]


def list_mine(ctx: Context, patient_id: str) -> list[dict]:
    with ctx.records.unit_of_work() as uow:
        found = views(uow, uow.links_of(patient_id), patient_id)
    # An incoming link is shown while it asks for an answer or lets someone act for me.
    return [item for item in found
            if item["direction"] == "outgoing" or item["status"] in ("pending", "confirmed")]


def find_subject(uow: AuthUnitOfWork, request: LinkRequest, holder_id: str):
    """The registered patient the request names, checked against its documents and age."""
    row = uow.find_by_policy(request.policy)
    if row is None:
        raise rules.LinkSubjectNotFound()
    rules.check_subject(request, holder_id=holder_id, subject_id=row.id,
                        subject_birth=row.birth_date,
                        certificates=uow.birth_certificates(row.id),
                        today=today())
    return row


def open_link_exists(uow: AuthUnitOfWork, holder_id: str, subject_id: str,
                     subject_birth) -> bool:
    return any(rules.effective_status(r.kind, r.status, r.end_reason, subject_birth, today())[0]
               != "ended" for r in uow.open_links_between(holder_id, subject_id))


def create(ctx: Context, holder_id: str, request: LinkRequest, *,
           confirmed_by: str | None = None) -> dict:
    """A child's link is confirmed at once (the documents prove it); an adult's waits for the
    adult, unless ``confirmed_by`` (a registrar who saw both people) confirms it now."""
    subject = _find_limited(ctx, request, holder_id) if confirmed_by is None else None
    with ctx.records.unit_of_work() as uow:
        subject = subject or find_subject(uow, request, holder_id)
        if open_link_exists(uow, holder_id, subject.id, subject.birth_date):
            raise rules.LinkExists()
        confirmed = request.kind == "child" or confirmed_by is not None
        link_id = uow.insert_link(
            holder_id=holder_id, subject_id=subject.id, kind=request.kind,
            status="confirmed" if confirmed else "pending",
            confirmed_by=(confirmed_by or "documents") if confirmed else None)
        row = uow.get_link(link_id)
        result = views(uow, [row], holder_id)[0]
    log.info("link created", extra={"event": "link", "action": "create", "link_id": link_id,
                                    "holder_id": holder_id, "subject_id": subject.id,
                                    "kind": request.kind, "by": confirmed_by or holder_id})
    return result


def _find_limited(ctx: Context, request: LinkRequest, holder_id: str):
    """``find_subject`` under the holder's limit: a wrong document or policy counts a failure."""
    refused: list[rules.LinkError] = []

    def verify(uow):
        try:
            return find_subject(uow, request, holder_id)
        except (rules.LinkDocumentMismatch, rules.LinkSubjectNotFound) as exc:
            refused.append(exc)
            return None

    try:
        found = _limited(ctx, [(LINK_LIMIT, holder_id)], verify)
    except TooManyAttempts:
        raise rules.LinkTooManyAttempts() from None
    if found is None:
        raise refused[0]
    return found


def _mine(uow: AuthUnitOfWork, link_id: str, patient_id: str):
    row = uow.get_link(link_id)
    if row is None or patient_id not in (row.holder_patient_id, row.subject_patient_id):
        raise rules.LinkNotFound()  # someone else's link does not exist for me
    return row


def end(ctx: Context, patient_id: str, link_id: str) -> dict:
    """The holder or the subject ends the link (repeating it is harmless)."""
    with ctx.records.unit_of_work() as uow:
        row = _mine(uow, link_id, patient_id)
        reason = "holder" if row.holder_patient_id == patient_id else "subject"
        uow.set_link_status(link_id, status="ended", end_reason=reason,
                            from_statuses=("pending", "confirmed"))
        result = views(uow, [uow.get_link(link_id)], patient_id)[0]
    log.info("link ended", extra={"event": "link", "action": "end", "link_id": link_id,
                                  "by": patient_id})
    return result


def accept(ctx: Context, patient_id: str, link_id: str) -> dict:
    """The adult named as the subject accepts the link."""
    with ctx.records.unit_of_work() as uow:
        row = uow.get_link(link_id)
        if row is None or row.subject_patient_id != patient_id:
            raise rules.LinkNotFound()
        if not uow.set_link_status(link_id, status="confirmed", confirmed_by="subject",
                                   from_statuses=("pending",)):
            raise rules.LinkNotPending()
        result = views(uow, [uow.get_link(link_id)], patient_id)[0]
    log.info("link accepted", extra={"event": "link", "action": "accept", "link_id": link_id,
                                     "by": patient_id})
    return result


def act_as(ctx: Context, holder: dict, subject_id: str) -> dict:
    """A short token of the subject with an RFC 8693 ``act`` claim naming the holder."""
    holder_id = str(holder["sub"])
    with ctx.records.unit_of_work() as uow:
        subject = uow.people({subject_id}).get(subject_id)
        candidates = uow.open_links_between(holder_id, subject_id)
        link = next((row for row in candidates if subject and rules.usable(
            row.kind, row.status, subject["birth_date"], today())), None)
        if link is None:
            raise rules.LinkNotConfirmed()
        facts = patient_claims(uow, subject_id)
    act = {"sub": holder_id, "name": holder.get("name") or "", "link_id": link.id}
    return act_token_response(ctx, subject_id, subject["full_name"], facts, act)


def act_token_response(ctx: Context, subject_id: str, name: str, facts: dict, act: dict) -> dict:
    token, ttl = ctx.issuer.issue(subject=subject_id, role="patient", name=name,
                                  ttl=ctx.settings.act_token_ttl, extra={**facts, "act": act})
    log.info("acting token issued", extra={"event": "link", "action": "act_as",
                                           "link_id": act.get("link_id"), "by": act["sub"],
                                           "subject_id": subject_id})
    return {"access_token": token, "token_type": "Bearer", "expires_in": ttl,
            "patient": {"id": subject_id, "full_name": name}, "act": act}


def refresh_act_token(ctx: Context, claims: dict) -> dict:
    """A fresh acting token (after a consent) that still names the holder and is still short:
    an acting token never turns into the subject's own login. The link is checked again."""
    act = claims.get("act") or {}
    return act_as(ctx, {"sub": act.get("sub"), "name": act.get("name")}, str(claims["sub"]))
