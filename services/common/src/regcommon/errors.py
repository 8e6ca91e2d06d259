"""The one error shape of every API: {"error": {"code", "message", "fields"?}}."""
from __future__ import annotations


class ApiError(Exception):
    """An error with an HTTP status, a stable code for programs and a Russian message for people."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None,
                 headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        self.headers = headers or {}

    def body(self) -> dict:
        err = {"code": self.code, "message": self.message}
        if self.fields:
            err["fields"] = self.fields
        return {"error": err}


# The envelope as an OpenAPI schema: what every service documents for its error answers.
ERROR_ENVELOPE_SCHEMA = {
    "type": "object", "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                       "message": {"type": "string"},
                       "fields": {"type": "object"}}}},
}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return ApiError(0, code, message, fields).body()


class NotFound(ApiError):
    def __init__(self, message: str = "Не найдено", code: str = "not_found"):
        super().__init__(404, code, message)


class ValidationFailed(ApiError):
    def __init__(self, fields: dict, message: str = "Проверьте правильность заполнения полей"):
        super().__init__(422, "validation_failed", message, fields)


# Default Russian messages for plain HTTP statuses (unknown paths, wrong methods...).
STATUS_CODES = {
    400: ("bad_request", "Некорректный запрос"),
    401: ("unauthorized", "Требуется вход в личный кабинет"),
    403: ("forbidden", "Недостаточно прав для этого действия"),
    404: ("not_found", "Не найдено"),
    405: ("method_not_allowed", "Этот метод не поддерживается для данного адреса"),
    406: ("not_acceptable", "Запрошенный формат ответа не поддерживается"),
    409: ("conflict", "Конфликт с текущим состоянием"),
    413: ("payload_too_large", "Слишком большой запрос"),
    415: ("unsupported_media_type", "Ожидается JSON (Content-Type: application/json)"),
    422: ("validation_failed", "Проверьте правильность заполнения полей"),
    429: ("too_many_requests", "Слишком много запросов, повторите позже"),
    500: ("internal_error", "Внутренняя ошибка сервиса, повторите попытку позже"),
    502: ("upstream_error", "Сервис временно недоступен, повторите попытку позже"),
    503: ("service_unavailable", "Сервис временно недоступен, повторите попытку позже"),
    504: ("upstream_timeout", "Сервис не ответил вовремя, повторите попытку позже"),
}


def status_error(status: int) -> ApiError:
    code, message = STATUS_CODES.get(status, ("http_error", "Ошибка запроса"))
    return ApiError(status, code, message)
