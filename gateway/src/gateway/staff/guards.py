"""Who may open a staff page, and how pages and error pages are drawn."""
from __future__ import annotations

from functools import wraps

from flask import g, redirect, render_template, request, url_for

from .session import current_staff

ROLE_NAMES = {"registrar": "регистратор", "admin": "администратор"}


class PageError(Exception):
    """Stop and show an error page with this status and Russian message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        staff = current_staff()
        if staff is None:
            target = request.full_path if request.method == "GET" else None
            return redirect(url_for("staff.login", next=target.rstrip("?") if target else None))
        g.staff = staff
        return view(*args, **kwargs)
    return wrapper


def admin_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not g.staff.is_admin:
            raise PageError(403, "Раздел доступен только администратору")
        return view(*args, **kwargs)
    return login_required(wrapper)


def require_organization(organization_id: str | None) -> None:
    """A registrar sees and changes only their own organization's data."""
    if not g.staff.may_manage(organization_id):
        raise PageError(403, "Можно работать только с данными своей медицинской организации")


def page(template: str, http_status: int = 200, **context):
    return render_template(template, **context), http_status


def error_page(status: int, message: str):
    titles = {400: "Некорректный запрос", 403: "Доступ запрещён", 404: "Не найдено",
              409: "Конфликт", 422: "Ошибка в данных", 503: "Сервис недоступен"}
    return page("staff/error.html", status, status=status, message=message,
                title=titles.get(status, "Ошибка"))
