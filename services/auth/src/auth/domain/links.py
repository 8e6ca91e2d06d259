"""Family and proxy links (issue 12): the rules, pure.

A *holder* (a patient) acts for a *subject* (another patient): a child under 18, linked at once
on the child's OMS policy and birth certificate, or another adult, linked when the adult accepts
or a registrar confirms. A child's link stops at 18: computed from the birth date whenever the
link is read or used, so no job has to end it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from . import documents as docs
from .errors import InvalidInput
from .fields import parse_birth_date
from .patients import Policy, parse_policy

ADULT_AGE = 18
KINDS = ("child", "adult")


class LinkError(Exception):
    """A link rule refused the request: ``code`` and the Russian ``message`` go to the API."""
    status = 409
    code = "link_error"
    message = "Связь с этим пациентом установить нельзя"

    def __init__(self, message: str | None = None):
        super().__init__(message or self.message)
        if message:
            self.message = message


class LinkSubjectNotFound(LinkError):
    status = 404
    code = "link_subject_not_found"
    message = ("Пациент с таким полисом не найден. Ребёнка или родственника сначала "
               "регистрируют в регистратуре медицинской организации")


class LinkDocumentMismatch(LinkError):
    status = 422
    code = "link_document_mismatch"
    message = "Данные документа не совпадают с данными пациента в регистратуре"


class LinkSubjectAdult(LinkError):
    status = 422
    code = "link_subject_adult"
    message = ("Пациенту уже исполнилось 18 лет: он записывается сам. Добавьте его как "
               "взрослого — связь заработает после его согласия")


class LinkSubjectMinor(LinkError):
    status = 422
    code = "link_subject_minor"
    message = "Пациенту нет 18 лет: добавьте его как ребёнка по свидетельству о рождении"


class LinkExists(LinkError):
    status = 409
    code = "link_exists"
    message = "Этот пациент уже есть в списке ваших близких"


class LinkNotConfirmed(LinkError):
    status = 403
    code = "link_not_confirmed"
    message = ("Связь ещё не подтверждена (или прекращена): записывать этого пациента "
               "пока нельзя")


class LinkSelf(LinkError):
    status = 422
    code = "link_self"
    message = "Нельзя добавить в близкие самого себя"


class LinkOwnLoginRequired(LinkError):
    status = 403
    code = "link_own_login_required"
    message = "Близкими управляет сам пациент: вернитесь к записи «Я»"


class LinkTooManyAttempts(LinkError):
    status = 429
    code = "link_too_many_attempts"
    message = ("Слишком много попыток с неверными данными документа. Повторите через час "
               "или обратитесь в регистратуру")


class LinkNotFound(LinkError):
    status = 404
    code = "link_not_found"
    message = "Связь не найдена"


class LinkNotPending(LinkError):
    status = 409
    code = "link_not_pending"
    message = "Связь уже подтверждена или прекращена"


@dataclass(frozen=True)
class LinkRequest:
    kind: str
    policy: Policy
    birth_certificate: str | None = None
    birth_date: date | None = None


def age_on(birth: date, today: date) -> int:
    """Full years on ``today`` (a 29 February birthday comes on 1 March in other years)."""
    years = today.year - birth.year
    if (today.month, today.day) < (birth.month, birth.day):
        years -= 1
    return years


def is_minor(birth: date, today: date) -> bool:
    return age_on(birth, today) < ADULT_AGE


def effective_status(kind: str, status: str, end_reason: str | None, subject_birth: date,
                     today: date) -> tuple[str, str | None]:
    """The link's status as it stands today: a child's link ends on the 18th birthday."""
    if status != "ended" and kind == "child" and not is_minor(subject_birth, today):
        return "ended", "subject_adult"
    return status, end_reason


def usable(kind: str, status: str, subject_birth: date, today: date) -> bool:
    """Whether the holder may act for the subject now: confirmed and not ended by age."""
    return effective_status(kind, status, None, subject_birth, today)[0] == "confirmed"


def parse_link_request(body: object, today: date) -> LinkRequest:
    """``{kind, policy, birth_certificate}`` for a child, ``{kind, policy, birth_date}`` for an
    adult; the documents normalised the way the registry stores them."""
    if not isinstance(body, dict):
        raise InvalidInput({"_schema": "Ожидается JSON-объект"})
    kind = body.get("kind")
    if kind not in KINDS:
        raise InvalidInput({"kind": "Допустимые значения: child, adult"})
    errors: dict[str, str] = {}
    policy = None
    try:
        policy = parse_policy(body.get("policy"))
    except InvalidInput as exc:
        errors.update(exc.fields)
    certificate = birth = None
    if kind == "child":
        try:
            certificate = docs.normalize_birth_certificate(body.get("birth_certificate"))
        except docs.DocumentInvalid as exc:
            errors["birth_certificate"] = str(exc)
    else:
        try:
            birth = parse_birth_date(body.get("birth_date"), today)
        except ValueError as exc:
            errors["birth_date"] = str(exc)
    if errors:
        raise InvalidInput(errors)
    return LinkRequest(kind, policy, certificate, birth)


def check_subject(request: LinkRequest, *, holder_id: str, subject_id: str, subject_birth: date,
                  certificates: list[str], today: date) -> None:
    """The subject found by the policy must be someone else, match the document and the age."""
    if subject_id == holder_id:
        raise LinkSelf()
    if request.kind == "child":
        if request.birth_certificate not in certificates:
            raise LinkDocumentMismatch()
        if not is_minor(subject_birth, today):
            raise LinkSubjectAdult()
        return
    if request.birth_date != subject_birth:
        raise LinkDocumentMismatch()
    if is_minor(subject_birth, today):
        raise LinkSubjectMinor()
