"""Russian texts for the error codes of api.md, used when a service sends none (or English)."""
from __future__ import annotations

MESSAGES = {
    "service_unavailable": "Сервис временно недоступен, повторите попытку позже",
    "upstream_error": "Ошибка при обращении к сервису, повторите попытку",
    "bad_request": "Некорректный запрос",
    "unauthorized": "Сеанс завершён, войдите снова",
    "authentication_failed": "Неверный логин или пароль",
    "forbidden": "Недостаточно прав для этого действия",
    "not_found": "Не найдено",
    "method_not_allowed": "Действие не поддерживается",
    "conflict": "Конфликт с текущим состоянием, обновите страницу",
    "validation_failed": "Проверьте правильность заполнения полей",
    "too_many_requests": "Слишком много запросов, повторите позже",
    "too_many_attempts": "Слишком много попыток входа, повторите позже",
    "slot_unavailable": "Это время уже занято, выберите другое",
    "not_attached": "Пациент не прикреплён к этой организации или участку",
    "consent_required": "Нужно согласие пациента на обработку персональных данных",
    "outside_booking_horizon": "Дата за пределами периода записи",
    "same_day_not_allowed": "Запись на текущий день недоступна",
    "duplicate_specialty": "У пациента уже есть активная запись к врачу этой специальности",
    "in_the_past": "Это время уже прошло",
    "idempotency_key_required": "Повторите действие: форма устарела",
    "idempotency_key_reused": "Форма уже была отправлена с другими данными, начните заново",
    "duplicate_patient": "Пациент с таким полисом уже есть в регистре",
    "cancel_cutoff_passed": "Срок отмены этой записи истёк",
}


def _looks_russian(text: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


def message_for(code: str, upstream_message: str | None = None) -> str:
    """The service's own Russian message when it has one, else ours for the code."""
    if upstream_message and _looks_russian(upstream_message):
        return upstream_message
    return MESSAGES.get(code, MESSAGES["upstream_error"])
