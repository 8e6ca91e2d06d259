"""The reception's side of family links (issue 12): list, link, unlink, confirm.

Scoped like the rest of the registry (registry.py): a registrar works on the patients attached
to their organization and every call is audited. A registrar confirms an adult's link when the
adult (the subject) is their organization's patient: they saw the adult agree in person.
"""
from __future__ import annotations

from . import links
from .context import Context
from .domain.actor import Actor
from .domain import links as rules
from .domain.links import LinkRequest
from .ports import AuthUnitOfWork
from .registry import _audited, _load_visible, _visible


def for_patient(ctx: Context, actor: Actor, patient_id: str) -> list[dict]:
    with _audited(ctx, actor, "links", patient_id) as audit:
        with ctx.records.unit_of_work() as uow:
            _load_visible(uow, actor, patient_id)
            rows = uow.links_touching(patient_id)
            audit.result_count = len(rows)
            return links.views(uow, rows, patient_id)


def create(ctx: Context, actor: Actor, holder_id: str, request: LinkRequest) -> dict:
    """Link a subject to the registrar's patient; confirmed at once when the registrar may see
    the subject too (else the adult confirms as usual)."""
    with _audited(ctx, actor, "link", holder_id):
        with ctx.records.unit_of_work() as uow:
            _load_visible(uow, actor, holder_id)
            subject = links.find_subject(uow, request, holder_id)
            sees_subject = _visible(uow, actor, subject.id)
        return links.create(ctx, holder_id, request,
                            confirmed_by=actor.id if sees_subject else None)


def _visible_link(uow: AuthUnitOfWork, actor: Actor, link_id: str, *,
                  subject_only: bool = False):
    row = uow.get_link(link_id)
    if row is None:
        raise rules.LinkNotFound()
    sides = (row.subject_patient_id,) if subject_only else (
        row.holder_patient_id, row.subject_patient_id)
    if not any(_visible(uow, actor, side) for side in sides):
        raise rules.LinkNotFound()
    return row


def end(ctx: Context, actor: Actor, link_id: str) -> dict:
    with _audited(ctx, actor, "unlink") as audit:
        with ctx.records.unit_of_work() as uow:
            row = _visible_link(uow, actor, link_id)
            audit.patient_id = row.holder_patient_id
            uow.set_link_status(link_id, status="ended", end_reason="registry",
                                from_statuses=("pending", "confirmed"))
            return links.views(uow, [uow.get_link(link_id)])[0]


def confirm(ctx: Context, actor: Actor, link_id: str) -> dict:
    with _audited(ctx, actor, "link_confirm") as audit:
        with ctx.records.unit_of_work() as uow:
            row = _visible_link(uow, actor, link_id, subject_only=True)
            audit.patient_id = row.subject_patient_id
            if not uow.set_link_status(link_id, status="confirmed", confirmed_by=actor.id[:36],
                                       from_statuses=("pending",)):
                raise rules.LinkNotPending()
            return links.views(uow, [uow.get_link(link_id)])[0]
