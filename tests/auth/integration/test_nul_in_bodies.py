"""Found by the long fuzz run: a NUL in a JSON body reached PostgreSQL, which refuses it (a 500)."""
import pytest

pytestmark = pytest.mark.integration


def test_a_staff_login_with_a_nul_in_the_login_is_a_422_not_a_500(seeded):
    response = seeded.test_client().post("/v1/auth/staff",
                                         json={"login": "reg\x00istrar", "password": "x"})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"login": "Недопустимые символы"}


def test_a_consent_withdrawal_with_a_nul_in_the_channel_is_a_422_not_a_500(seeded, helpers):
    token = seeded.test_client().post("/v1/auth/oms", json=helpers.login_body()).get_json()
    response = seeded.test_client().post("/v1/consents/withdraw", json={"channel": "p\x00"},
                                         headers=helpers.bearer(token["access_token"]))
    assert response.status_code == 422
