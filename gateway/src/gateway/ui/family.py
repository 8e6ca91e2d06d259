"""«Мои близкие» (issue 12): link a child or an adult, accept a link, remove one, and the
switcher «Записи для: Я / <имя>» that makes the booking flow and the cabinet act for them.

The session keeps the patient's own token (``access_token``) and, while acting for someone, a
short acting token of that person (``acting``: token, patient, expiry). ``common.access_token``
answers the acting one, so every booking view acts for the chosen person without knowing it;
the links themselves are always managed with the patient's own token (``own_token``).
"""
from __future__ import annotations

from flask import Blueprint, redirect, request, session, url_for

from ..netutil import safe_next
from . import forms
from .acting import _act_as, _holder, acting, own_token
from .common import LoginExpired, call, flash, get_json, login_required, page, q

bp = Blueprint("family", __name__)
KIND_LABELS = {"child": "ребёнок", "adult": "взрослый"}
STATUS_LABELS = {"pending": "ждёт подтверждения", "confirmed": "подтверждена",
                 "ended": "прекращена"}
END_LABELS = {"subject_adult": "исполнилось 18 лет", "holder": "удалена вами",
              "subject": "удалена самим пациентом", "registry": "прекращена в регистратуре"}
# Auth's 422 ``fields`` → the form's field names (see templates/family.html).
CHILD_FIELDS = {"policy": "child_policy", "birth_certificate": "child_certificate"}
ADULT_FIELDS = {"policy": "adult_policy", "birth_date": "adult_birth_date"}


def family_people() -> list[dict]:
    remembered = session.get("family") or {}
    return remembered.get("people", []) if remembered.get("holder") == _holder() else []


def _links() -> list[dict]:
    items = get_json("auth", "/v1/me/links", token=own_token()).get("items", [])
    people = [{"id": i["subject"]["id"], "full_name": i["subject"]["full_name"]}
              for i in items if i.get("direction") == "outgoing" and i.get("status") == "confirmed"]
    session["family"] = {"holder": _holder(), "people": people}  # the switcher's choices
    return items


def switcher_context() -> dict:
    """For every page: whom the patient books for, and whom they may switch to."""
    if not session.get("access_token"):
        return {"family_people": [], "acting_for": None}
    current = acting()
    return {"family_people": family_people(), "acting_for": (current or {}).get("patient")}


@bp.get("/cabinet/family")
@login_required
def index(values: dict | None = None, errors: dict | None = None, status: int = 200):
    items = _links()
    for item in items:
        item["kind_label"] = KIND_LABELS.get(item["kind"], item["kind"])
        item["status_label"] = END_LABELS.get(item.get("end_reason")) if item["status"] == "ended" \
            else STATUS_LABELS.get(item["status"], item["status"])
    return page("family.html", status=status,
                outgoing=[i for i in items if i.get("direction") == "outgoing"],
                incoming=[i for i in items if i.get("direction") == "incoming"],
                values=values or {}, errors=errors or {},
                breadcrumbs=[("Главная", url_for("browse.home")),
                             ("Личный кабинет", url_for("cabinet.index")), ("Мои близкие", None)])


def _policy(number: str | None) -> dict:
    return {"type": "oms_unified", "number": forms.digits(number)}


def _add(body: dict, field_map: dict, values: dict):
    answer = call("auth", "POST", "/v1/me/links", json=body, token=own_token(), idempotent=None)
    if answer.status == 401:
        raise LoginExpired()
    if answer.status == 201:
        link = answer.json()
        name = link["subject"]["full_name"]
        flash(f"{name} добавлен(а) в ваши близкие." if link["status"] == "confirmed" else
              f"Запрос отправлен. {name} сможет подтвердить связь, войдя в свой личный кабинет, "
              "или в регистратуре.", "success")
        return redirect(url_for("family.index"))
    err = answer.error()
    mapped = {field_map.get(name.split(".")[0], "form"): str(message)
              for name, message in (err.get("fields") or {}).items()}
    if not mapped:
        mapped = {"form": forms.booking_error_message(err)}
    return index(values=values, errors=mapped, status=answer.status if answer.status < 500 else 503)


@bp.post("/cabinet/family/child")
@login_required
def add_child():
    values = {k: request.form.get(k, "") for k in ("child_policy", "child_certificate")}
    return _add({"kind": "child", "policy": _policy(values["child_policy"]),
                 "birth_certificate": values["child_certificate"]}, CHILD_FIELDS, values)


@bp.post("/cabinet/family/adult")
@login_required
def add_adult():
    values = {k: request.form.get(k, "") for k in ("adult_policy", "adult_birth_date")}
    birth = forms.dmy_to_iso(values["adult_birth_date"]) or values["adult_birth_date"]
    return _add({"kind": "adult", "policy": _policy(values["adult_policy"]),
                 "birth_date": birth}, ADULT_FIELDS, values)


def _change(method: str, path: str, done: str):
    answer = call("auth", method, path, token=own_token())
    if answer.status == 401:
        raise LoginExpired()
    flash(done if answer.ok else forms.booking_error_message(answer.error()),
          "success" if answer.ok else "error")
    return redirect(url_for("family.index"))


@bp.post("/cabinet/family/<link_id>/accept")
@login_required
def accept(link_id: str):
    return _change("POST", f"/v1/me/links/{q(link_id)}/accept",
                   "Связь подтверждена: теперь вас могут записывать на приём.")


@bp.post("/cabinet/family/<link_id>/remove")
@login_required
def remove(link_id: str):
    response = _change("DELETE", f"/v1/me/links/{q(link_id)}", "Связь удалена.")
    _links()  # the switcher forgets whoever is no longer linked
    current = acting()
    if current and current.get("patient", {}).get("id") not in {p["id"] for p in family_people()}:
        session.pop("acting", None)
    return response


@bp.post("/cabinet/acting")
@login_required
def switch():
    """«Записи для»: "" is the patient themselves, otherwise a linked person's id."""
    patient_id = request.form.get("patient_id", "")
    back = safe_next(request.form.get("back"), url_for("cabinet.index"))
    if not patient_id:
        session.pop("acting", None)
        flash("Теперь вы записываетесь сами.", "info")
        return redirect(back)
    state = _act_as(patient_id)
    if state is None:
        flash("Записывать этого человека нельзя: связь не подтверждена или прекращена.", "error")
        return redirect(url_for("family.index"))
    flash(f"Запись для: {state['patient'].get('full_name')}. Записи, отмены и переносы — "
          "от его (её) имени.", "info")
    return redirect(back)
