"""Turning marshmallow/APIFlask validation details into {field: Russian message}."""
from __future__ import annotations

_MESSAGES = {
    "Missing data for required field.": "Обязательное поле",
    "Field may not be null.": "Поле не может быть пустым",
    "Not a valid string.": "Должно быть строкой",
    "Not a valid integer.": "Должно быть целым числом",
    "Not a valid number.": "Должно быть числом",
    "Not a valid boolean.": "Должно быть true или false",
    "Not a valid date.": "Дата в формате ГГГГ-ММ-ДД",
    "Not a valid datetime.": "Дата и время в формате ISO 8601",
    "Not a valid UUID.": "Должно быть UUID",
    "Not a valid email address.": "Некорректный адрес электронной почты",
    "Unknown field.": "Неизвестное поле",
    "Invalid input type.": "Неверный тип данных",
    "Not a valid list.": "Должно быть списком",
    "Not a valid mapping type.": "Должно быть объектом",
    "Invalid value.": "Недопустимое значение",
    "Shorter than minimum length 1.": "Поле не может быть пустым",
}


def _russian(message: str) -> str:
    if message in _MESSAGES:
        return _MESSAGES[message]
    if message.startswith("Must be one of:"):
        return "Допустимые значения: " + message.split(":", 1)[1].strip().rstrip(".")
    if message.startswith("Length must be") or message.startswith("Longer than") or message.startswith("Shorter than"):
        return "Недопустимая длина"
    if message.startswith("Must be greater") or message.startswith("Must be less"):
        return "Значение вне допустимого диапазона"
    return message


def _flatten(detail, prefix: str, out: dict) -> None:
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            _flatten(value, name, out)
    elif isinstance(detail, (list, tuple)):
        if detail and all(isinstance(x, str) for x in detail):
            out[prefix or "_schema"] = _russian(detail[0])
        else:
            for item in detail:
                _flatten(item, prefix, out)
    else:
        out[prefix or "_schema"] = _russian(str(detail))


def translate_validation_detail(detail: dict) -> dict:
    """APIFlask's detail is {location: {field: [messages]}}; locations are dropped."""
    out: dict = {}
    if isinstance(detail, dict):
        for _location, fields in detail.items():
            _flatten(fields, "", out)
    return out or {"_schema": "Некорректные данные"}
