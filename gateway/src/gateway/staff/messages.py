"""The gateway's own Russian texts: only for answers no service worded (transport failures).

Every error a service sends carries its Russian message; the workspace shows that one.
"""
from __future__ import annotations

MESSAGES = {
    "service_unavailable": "Сервис временно недоступен, повторите попытку позже",
    "upstream_error": "Ошибка при обращении к сервису, повторите попытку",
}


def _looks_russian(text: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


def message_for(code: str, upstream_message: str | None = None) -> str:
    """The service's own Russian message; ours only when no service worded the answer."""
    if upstream_message and _looks_russian(upstream_message):
        return upstream_message
    return MESSAGES.get(code, MESSAGES["upstream_error"])
