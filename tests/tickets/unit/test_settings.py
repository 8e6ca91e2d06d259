"""Settings fail fast where a production deployment would otherwise run with unsafe defaults."""
import pytest
from pydantic import ValidationError

from tickets.settings import EMBEDDED_SECRET, TicketsSettings

pytestmark = pytest.mark.unit


def test_embedded_mode_has_a_default_secret_and_file_outboxes(monkeypatch):
    monkeypatch.delenv("TICKETS_SECRET", raising=False)
    settings = TicketsSettings(database_url="sqlite:///x.sqlite3", mode="embedded")
    assert settings.secret == EMBEDDED_SECRET
    assert settings.email_backend == "file" and settings.sms_backend == "file"


def test_production_requires_its_own_secret(monkeypatch):
    monkeypatch.delenv("TICKETS_SECRET", raising=False)
    with pytest.raises(ValidationError, match="TICKETS_SECRET"):
        TicketsSettings(mode="production", database_url="postgresql://x/y", internal_token="t")


def test_smtp_backend_needs_a_host():
    with pytest.raises(ValidationError, match="TICKETS_SMTP_HOST"):
        TicketsSettings(database_url="sqlite:///x.sqlite3", email_backend="smtp")


def test_an_sms_url_selects_the_http_provider():
    settings = TicketsSettings(database_url="sqlite:///x.sqlite3", sms_url="https://sms.example/send")
    assert settings.sms_backend == "http"


PRODUCTION = {"mode": "production", "database_url": "postgresql://x/y", "internal_token": "t",
              "secret": "a-real-secret"}


def test_production_refuses_to_start_without_a_mail_server(monkeypatch):
    for name in ("TICKETS_SMTP_HOST", "TICKETS_EMAIL_BACKEND", "TICKETS_SMS_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValidationError, match="TICKETS_SMTP_HOST"):
        TicketsSettings(**PRODUCTION, sms_url="https://sms.example/send")


def test_production_refuses_to_start_without_an_sms_provider(monkeypatch):
    for name in ("TICKETS_SMS_URL", "TICKETS_EMAIL_BACKEND", "TICKETS_SMS_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValidationError, match="TICKETS_SMS_URL"):
        TicketsSettings(**PRODUCTION, smtp_host="smtp.example.org")


def test_production_writes_files_only_when_told_so_explicitly():
    settings = TicketsSettings(**PRODUCTION, email_backend="file", sms_backend="file")
    assert settings.email_backend == "file" and settings.sms_backend == "file"
    real = TicketsSettings(**PRODUCTION, smtp_host="smtp.example.org",
                           sms_url="https://sms.example/send")
    assert real.email_backend == "smtp" and real.sms_backend == "http"
