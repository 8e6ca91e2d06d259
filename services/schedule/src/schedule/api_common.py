"""Request parsing and the one mapping from business errors to HTTP answers."""
from __future__ import annotations

import uuid
from datetime import date

from flask import request

from regcommon.errors import ApiError, NotFound, ValidationFailed
from regcommon.ids import parse_slot_id

from .domain import errors
from .domain.templates import TemplateInvalid

DATE_MESSAGE = "Дата в формате ГГГГ-ММ-ДД"


def slot_id_param(raw: str) -> int:
    """Slot ids are decimal strings; anything else names no slot."""
    slot_id = parse_slot_id(raw)
    if slot_id is None or not isinstance(raw, str):
        raise NotFound("Время приёма не найдено")
    return slot_id


def uuid_param(raw: str, message: str) -> str:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise NotFound(message) from None


def query_date(name: str, required: bool = True) -> date | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        if required:
            raise ValidationFailed({name: "Обязательный параметр"})
        return None
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        value = date.fromisoformat(raw)
        if not 1900 <= value.year <= 9000:  # local midnights of 0001/9999 overflow datetime
            raise ValueError(raw)
        return value
    except ValueError:
        raise ValidationFailed({name: DATE_MESSAGE}) from None


def query_text(name: str) -> str:
    raw = request.args.get(name, "").strip()
    if not raw:
        raise ValidationFailed({name: "Обязательный параметр"})
    if len(raw) > 64:
        raise ValidationFailed({name: "Недопустимая длина"})
    return raw


def json_object(optional: bool = False) -> dict:
    if optional and not request.get_data(cache=True):
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(422, "validation_failed", "Ожидается JSON-объект в теле запроса",
                       {"body": "Должно быть JSON-объектом"})
    return body


def body_text(body: dict, name: str, *, required: bool = True, max_length: int = 64) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise ValidationFailed({name: "Обязательное поле"})
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise ValidationFailed({name: f"Непустая строка до {max_length} символов"})
    return value.strip()


def body_date(body: dict, name: str) -> date:
    value = body.get(name)
    if value is None:
        raise ValidationFailed({name: "Обязательное поле"})
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError(value)
        parsed = date.fromisoformat(value)
        if not 1900 <= parsed.year <= 9000:  # day arithmetic at 0001/9999 overflows
            raise ValueError(value)
        return parsed
    except ValueError:
        raise ValidationFailed({name: DATE_MESSAGE}) from None


def register_error_handlers(app) -> None:
    @app.errorhandler(errors.ScheduleError)
    def _business(error: errors.ScheduleError):
        api_error = to_api_error(error)
        return api_error.body(), api_error.status, api_error.headers

    @app.errorhandler(TemplateInvalid)
    def _template(error: TemplateInvalid):
        api_error = ValidationFailed(error.fields, "Шаблон расписания заполнен неверно")
        return api_error.body(), api_error.status


def to_api_error(error: errors.ScheduleError) -> ApiError:
    if isinstance(error, errors.SlotStarted):
        return ApiError(409, "slot_started", "Это время уже прошло. Выберите другое время")
    if isinstance(error, errors.SlotUnavailable):
        return ApiError(409, "slot_unavailable",
                        "Это время уже занято или недоступно для записи. Выберите другое время")
    if isinstance(error, errors.TooManyHolds):
        return ApiError(429, "too_many_holds",
                        "Слишком много одновременно выбранных времён. Повторите попытку позже",
                        headers={"Retry-After": str(error.retry_after)})
    if isinstance(error, errors.TooManyHoldsForDay):
        return ApiError(409, "too_many_holds_for_day",
                        "Сейчас много пациентов одновременно выбирают время к этому врачу на этот "
                        "день. Запишитесь без бронирования времени или повторите попытку позже",
                        headers={"Retry-After": str(error.retry_after)})
    if isinstance(error, errors.ServiceNotProvided):
        return NotFound("Врач не оказывает выбранную услугу")
    if isinstance(error, errors.DoctorNotFound):
        return NotFound("Врач не найден")
    if isinstance(error, errors.SlotNotFound):
        return NotFound("Время приёма не найдено")
    if isinstance(error, errors.HoldNotFound):
        return NotFound("Бронь времени не найдена")
    if isinstance(error, errors.AbsenceNotFound):
        return NotFound("Отсутствие врача не найдено")
    return ApiError(409, "conflict", "Конфликт с текущим состоянием расписания")
