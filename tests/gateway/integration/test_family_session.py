"""Issue 12: the session's acting token (gateway/ui/acting.py). While acting for a linked person
the UI's calls carry that person's short token, renewed before it expires; a refused renewal
(the link ended) returns the patient to «Я»; a new login never inherits the choice; a consent's
fresh token replaces the acting token, never the patient's own."""
from __future__ import annotations

import time

import pytest
from flask import session

pytestmark = pytest.mark.integration


class Answer:
    def __init__(self, status: int, body: dict | None = None):
        self.status, self.body = status, body or {}
        self.ok = 200 <= status < 300

    def json(self):
        return self.body

    def error(self):
        return self.body.get("error", {})


@pytest.fixture()
def ui(gateway_app, monkeypatch):
    from gateway.ui import acting, family

    calls: list = []
    answers: list = []

    def fake_call(service, method, path, *, json=None, token=None, **_kw):
        calls.append((service, method, path, json, token))
        return answers.pop(0)

    monkeypatch.setattr(family, "call", fake_call)
    monkeypatch.setattr(acting, "call", fake_call)  # the renewal of the acting token
    with gateway_app.test_request_context("/cabinet"):
        session["access_token"] = "own-token"
        session["patient"] = {"id": "p-1", "full_name": "Иванова Анна"}
        yield {"calls": calls, "answers": answers}


def _acting(expires_in: float, holder: str = "p-1") -> dict:
    return {"token": "act-1", "patient": {"id": "c-1", "full_name": "Иванов Пётр"},
            "expires_at": time.time() + expires_in, "holder": holder}


def test_without_a_choice_the_patients_own_token_is_used(ui):
    from gateway.ui.common import access_token

    assert access_token() == "own-token" and ui["calls"] == []


def test_a_fresh_acting_token_is_used_as_it_is(ui):
    from gateway.ui.common import access_token

    session["acting"] = _acting(200)
    assert access_token() == "act-1" and ui["calls"] == []


def test_an_acting_token_about_to_expire_is_renewed_with_the_own_token(ui):
    from gateway.ui.common import access_token

    session["acting"] = _acting(10)
    ui["answers"].append(Answer(200, {"access_token": "act-2", "expires_in": 300,
                                      "patient": {"id": "c-1", "full_name": "Иванов Пётр"}}))
    assert access_token() == "act-2"
    assert ui["calls"] == [("auth", "POST", "/v1/auth/act-as", {"patient_id": "c-1"}, "own-token")]
    assert session["acting"]["token"] == "act-2" and session["acting"]["holder"] == "p-1"
    assert session["acting"]["expires_at"] > time.time() + 250


def test_a_refused_renewal_returns_the_patient_to_themselves(ui):
    from gateway.ui.common import access_token, take_flashes

    session["acting"] = _acting(5)
    ui["answers"].append(Answer(403, {"error": {"code": "link_not_confirmed", "message": "нет"}}))
    assert access_token() == "own-token"
    assert "acting" not in session
    assert any("связь прекращена" in f["text"] for f in take_flashes())


def test_another_patients_login_never_inherits_the_choice(ui):
    from gateway.ui.common import access_token
    from gateway.ui.family import switcher_context

    session["acting"] = _acting(200, holder="p-0")
    session["family"] = {"holder": "p-0", "people": [{"id": "c-1", "full_name": "Иванов Пётр"}]}
    assert access_token() == "own-token"
    assert switcher_context() == {"family_people": [], "acting_for": None}


def test_a_consents_fresh_token_replaces_the_acting_one_only(ui):
    from gateway.ui.common import keep_fresh_token

    session["acting"] = _acting(200)
    keep_fresh_token(Answer(201, {"access_token": "act-after-consent"}))
    assert session["acting"]["token"] == "act-after-consent"
    assert session["access_token"] == "own-token"
    session.pop("acting")
    keep_fresh_token(Answer(201, {"access_token": "own-after-consent"}))
    assert session["access_token"] == "own-after-consent"


def test_logout_forgets_the_choice(ui):
    from gateway.ui.common import forget_login

    session["acting"] = _acting(200)
    session["family"] = {"holder": "p-1", "people": []}
    forget_login()
    assert "acting" not in session and "family" not in session
