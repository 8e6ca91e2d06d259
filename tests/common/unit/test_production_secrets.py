"""Issue 16 item 8: a production start refuses empty and placeholder secrets in every service."""
import pytest
from pydantic import ValidationError

from regcommon.settings import ServiceSettings

pytestmark = pytest.mark.unit

PLACEHOLDERS = ["", "change-me-a-long-random-internal-token", "REPLACE-with-64-random-characters",
                "embedded-internal-token"]


@pytest.mark.parametrize("token", PLACEHOLDERS)
def test_production_refuses_a_placeholder_internal_token(token):
    with pytest.raises(ValidationError, match="REGISTRATURA_INTERNAL_TOKEN"):
        ServiceSettings(mode="production", database_url="postgresql://x/y", internal_token=token)


def test_production_accepts_a_real_secret_and_embedded_mode_keeps_its_defaults():
    settings = ServiceSettings(mode="production", database_url="postgresql://x/y",
                               internal_token="q8Vn3xL0pZt7RkW2")
    assert settings.internal_token == "q8Vn3xL0pZt7RkW2"
    assert ServiceSettings(database_url="sqlite://").internal_token == "embedded-internal-token"


@pytest.mark.parametrize("field, env", [("key_encryption_secret", "AUTH_KEY_ENCRYPTION_SECRET"),
                                        ("policy_key_secret", "AUTH_POLICY_KEY_SECRET")])
def test_auth_refuses_placeholder_secrets_in_production(field, env):
    from auth.settings import AuthSettings

    values = {"internal_token": "q8Vn3xL0pZt7RkW2", "key_encryption_secret": "Zr4mN8wQ1sT6yH3j",
              "policy_key_secret": "Lk2Jd9Fh5Gs1Pa7e", field: "change-me-please"}
    with pytest.raises(ValidationError, match=env):
        AuthSettings(mode="production", database_url="postgresql://x/y", **values)


def test_tickets_refuses_a_placeholder_talon_secret_in_production():
    from tickets.settings import TicketsSettings

    with pytest.raises(ValidationError, match="TICKETS_SECRET"):
        TicketsSettings(mode="production", database_url="postgresql://x/y",
                        internal_token="q8Vn3xL0pZt7RkW2", secret="change-me-a-long-secret")
