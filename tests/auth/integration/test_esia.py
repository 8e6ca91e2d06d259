import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from werkzeug.serving import make_server

from auth import esia_emulator

pytestmark = pytest.mark.integration
REDIRECT = "http://127.0.0.1:8000/auth/esia/callback"


@pytest.fixture
def emulator():
    server = make_server("127.0.0.1", 0, esia_emulator.create_app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def esia_app(make_app, seeded_url, emulator):
    return make_app(seeded_url, esia_url=emulator)


def browser_login(app, user_oid: str, redirect: str = REDIRECT) -> dict:
    """What the gateway and the browser do: get the URL, pick a person, come back with a code."""
    started = app.test_client().post("/v1/esia/authorize-url", json={"redirect_uri": redirect})
    assert started.status_code == 200
    url, state = started.get_json()["url"], started.get_json()["state"]
    query = parse_qs(urlsplit(url).query)
    assert query["state"] == [state] and query["response_type"] == ["code"]
    assert query["client_secret"][0] and query["timestamp"][0]
    page = requests.get(url, timeout=5)
    assert page.status_code == 200 and "Госуслуги (учебный стенд)" in page.text
    chosen = requests.post(url.split("/aas/")[0] + "/aas/oauth2/v2/ac/choose", timeout=5,
                           allow_redirects=False,
                           data={"oid": user_oid, "redirect_uri": redirect, "state": state,
                                 "client_id": query["client_id"][0], "scope": query["scope"][0]})
    assert chosen.status_code == 302
    back = parse_qs(urlsplit(chosen.headers["Location"]).query)
    assert back["state"] == [state]
    return {"code": back["code"][0], "state": state, "redirect_uri": redirect}


def test_esia_login_matches_the_registry_by_snils(esia_app):
    callback = browser_login(esia_app, "1000299353")
    response = esia_app.test_client().post("/v1/esia/callback", json=callback)
    assert response.status_code == 200
    body = response.get_json()
    assert body["patient"]["full_name"] == "Иванова Мария Петровна"
    me = esia_app.test_client().get("/v1/me", headers={"Authorization": "Bearer " + body["access_token"]})
    assert me.status_code == 200 and me.get_json()["birth_date"] == "1985-03-14"


def test_esia_login_matches_by_policy_when_snils_is_unknown(esia_app):
    response = esia_app.test_client().post("/v1/esia/callback",
                                           json=browser_login(esia_app, "1000299354"))
    assert response.status_code == 200
    assert response.get_json()["patient"]["full_name"] == "Петров Сергей Николаевич"


def test_person_not_in_the_registry_gets_the_reception_message(esia_app, helpers):
    response = esia_app.test_client().post("/v1/esia/callback",
                                           json=browser_login(esia_app, "1000299355"))
    assert response.status_code == 401
    oms_failure = esia_app.test_client().post("/v1/auth/oms",
                                              json=helpers.login_body(policy=helpers.unknown_policy()))
    assert response.data == oms_failure.data


def test_a_replayed_code_is_refused(esia_app):
    callback = browser_login(esia_app, "1000299353")
    client = esia_app.test_client()
    assert client.post("/v1/esia/callback", json=callback).status_code == 200
    fresh_state = client.post("/v1/esia/authorize-url", json={"redirect_uri": REDIRECT}).get_json()
    replay = client.post("/v1/esia/callback", json={**callback, "state": fresh_state["state"]})
    assert replay.status_code == 401 and "access_token" not in replay.get_json()


def test_a_wrong_or_replayed_state_is_refused_without_a_token(esia_app):
    callback = browser_login(esia_app, "1000299353")
    client = esia_app.test_client()
    wrong = client.post("/v1/esia/callback", json={**callback, "state": "0" * 36})
    assert wrong.status_code == 401
    other_redirect = client.post("/v1/esia/callback",
                                 json={**callback, "redirect_uri": "http://evil.example/cb"})
    assert other_redirect.status_code == 401
    assert client.post("/v1/esia/callback", json=callback).status_code == 200
    again = client.post("/v1/esia/callback", json=callback)
    assert again.status_code == 401 and "access_token" not in again.get_json()


def test_id_token_is_checked_for_signature_iss_aud_and_exp():
    import time

    from cryptography.hazmat.primitives import serialization
    from jose import jwt

    from auth.adapters.esia import EsiaClient, EsiaRejected, RsaTestSigner
    from auth.adapters.keystore import generate_private_key, public_jwk

    key = generate_private_key()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    emulator_app = esia_emulator.create_app(esia_emulator.EmulatorSettings(key_pem=pem))
    server = make_server("127.0.0.1", 0, emulator_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        client = EsiaClient(f"http://127.0.0.1:{server.server_port}", client_id="REG",
                            scope="openid", issuer="http://esia.gosuslugi.ru/",
                            signer=RsaTestSigner(), emulator_allowed=True)
        kid = public_jwk(key)["kid"]
        now = int(time.time())
        good = {"iss": "http://esia.gosuslugi.ru/", "aud": "REG", "exp": now + 60, "iat": now,
                "urn:esia:sbj_id": "1000299353"}
        assert client.verify_id_token(jwt.encode(good, pem, "RS256", headers={"kid": kid}))
        stranger = generate_private_key().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()).decode()
        bad = [jwt.encode({**good, "aud": "OTHER"}, pem, "RS256", headers={"kid": kid}),
               jwt.encode({**good, "iss": "http://evil/"}, pem, "RS256", headers={"kid": kid}),
               jwt.encode({**good, "exp": now - 100}, pem, "RS256", headers={"kid": kid}),
               jwt.encode(good, stranger, "RS256", headers={"kid": kid}),
               jwt.encode(good, "secret", "HS256", headers={"kid": kid}),
               jwt.encode({k: v for k, v in good.items() if k != "urn:esia:sbj_id"}, pem, "RS256",
                          headers={"kid": kid})]
        for token in bad:
            with pytest.raises(EsiaRejected):
                client.verify_id_token(token)
    finally:
        server.shutdown()
        thread.join(5)


def test_a_client_not_allowed_to_use_the_emulator_refuses_it(esia_app):
    callback = browser_login(esia_app, "1000299353")
    esia_app.extensions["auth_esia"].emulator_allowed = False
    response = esia_app.test_client().post("/v1/esia/callback", json=callback)
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "esia_unavailable"


def test_emulator_and_test_signer_are_refused_in_production(monkeypatch, pg_url, make_app):
    monkeypatch.setenv("REGISTRATURA_MODE", "production")
    with pytest.raises(RuntimeError, match="production"):
        esia_emulator.create_app()
    monkeypatch.delenv("REGISTRATURA_MODE")
    app = make_app(pg_url, esia_signer="gost")
    response = app.test_client().post("/v1/esia/authorize-url", json={"redirect_uri": REDIRECT})
    assert response.status_code == 503


def test_authorize_url_needs_an_http_redirect(esia_app):
    response = esia_app.test_client().post("/v1/esia/authorize-url",
                                           json={"redirect_uri": "javascript:alert(1)"})
    assert response.status_code == 422 and "redirect_uri" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("redirect", ["http://[::1/callback", "http://portal:99999/callback"])
def test_an_unparseable_redirect_address_is_422_not_500(esia_app, redirect):
    response = esia_app.test_client().post("/v1/esia/authorize-url", json={"redirect_uri": redirect})
    assert response.status_code == 422 and "redirect_uri" in response.get_json()["error"]["fields"]


def test_emulator_codes_are_one_use_and_person_data_needs_its_token(emulator):
    app = esia_emulator.create_app().test_client()
    chosen = app.post("/aas/oauth2/v2/ac/choose", data={"oid": "1000299353", "state": "s",
                                                       "redirect_uri": REDIRECT, "client_id": "c"})
    code = parse_qs(urlsplit(chosen.headers["Location"]).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "client_id": "c", "client_secret": "x",
            "state": "s2", "timestamp": "t", "redirect_uri": REDIRECT, "client_certificate_hash": "h"}
    first = app.post("/aas/oauth2/v3/te", data=form)
    assert first.status_code == 200
    assert app.post("/aas/oauth2/v3/te", data=form).status_code == 400
    access = first.get_json()["access_token"]
    assert app.get("/rs/prns/1000299353").status_code == 401
    docs = app.get("/rs/prns/1000299353/docs", headers={"Authorization": f"Bearer {access}"})
    assert {"type": "MDCL_PLCY"}.items() <= docs.get_json()["elements"][0].items()
    assert app.get("/rs/prns/1000299354", headers={"Authorization": f"Bearer {access}"}).status_code == 401


@pytest.mark.parametrize("redirect", ["http://evil.example/auth/esia/callback",
                                      "http://127.0.0.1:8000/auth/esia/callback?x=1"])
def test_authorize_url_refuses_a_redirect_outside_the_allow_list(make_app, seeded_url, emulator,
                                                                 redirect):
    app = make_app(seeded_url, esia_url=emulator, esia_redirect_uris=f"{REDIRECT}, https://x/cb")
    response = app.test_client().post("/v1/esia/authorize-url", json={"redirect_uri": redirect})
    assert response.status_code == 422 and "redirect_uri" in response.get_json()["error"]["fields"]
    allowed = app.test_client().post("/v1/esia/authorize-url", json={"redirect_uri": REDIRECT})
    assert allowed.status_code == 200


def test_production_without_an_allow_list_accepts_no_redirect(make_app, seeded_url, emulator):
    app = make_app(seeded_url, esia_url=emulator)
    app.extensions["auth_context"].settings.mode = "production"
    response = app.test_client().post("/v1/esia/authorize-url", json={"redirect_uri": REDIRECT})
    assert response.status_code == 422
def test_an_esia_login_lifts_the_lockout_of_the_persons_policy(esia_app, helpers):
    client = esia_app.test_client()

    def oms_login(birth):
        return client.post("/v1/auth/oms", json=helpers.login_body(birth=birth),
                           headers={"X-Client-IP": "10.11.0.1"})

    for _ in range(5):
        assert oms_login("1985-03-15").status_code == 401
    assert oms_login(helpers.BIRTH).status_code == 429
    callback = browser_login(esia_app, "1000299353")  # Иванова, the policy's owner
    assert client.post("/v1/esia/callback", json=callback).status_code == 200
    assert oms_login(helpers.BIRTH).status_code == 200
