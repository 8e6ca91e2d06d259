"""Issue 16 item 8 / issue 11 item 4: the polled revocation list of every service.

It is pruned (a revoked id is kept only until its token expires), it knows per-subject "not
before" revocations (a deactivated staff member), and it fails CLOSED: when auth has been
unreachable for longer than the bounded age, a token is refused with a 503 rather than accepted
on a stale list.
"""
import pytest
from flask import Flask

from regcommon.errors import ApiError
from regcommon.jwt_verify import RevocationList, RevocationsUnavailable, authenticate

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class FakeAuth:
    """What GET /internal/revocations answers; ``down`` makes the poll fail."""

    def __init__(self):
        self.tokens: list[dict] = []
        self.subjects: list[dict] = []
        self.down = False
        self.calls = 0

    def __call__(self, since):
        self.calls += 1
        if self.down:
            raise ConnectionError("auth unreachable")
        return {"items": [t["jti"] for t in self.tokens], "tokens": self.tokens,
                "subjects": self.subjects, "as_of": "2026-12-03T00:00:00+00:00"}


def make(auth, clock, **kw) -> RevocationList:
    return RevocationList("http://auth", "token", fetch=auth, clock=clock, background=False,
                          interval=2.0, max_age=30.0, **kw)


def claims(jti="j1", sub="s1", iat=None, exp=None, clock=None):
    now = clock.now if clock else 1_000_000.0
    return {"jti": jti, "sub": sub, "iat": iat if iat is not None else now - 10,
            "exp": exp if exp is not None else now + 600}


def test_a_revoked_id_is_refused_and_forgotten_once_its_token_has_expired():
    clock, auth = Clock(), FakeAuth()
    auth.tokens = [{"jti": "gone", "exp": clock.now + 60}]
    revoked = make(auth, clock)
    assert revoked(claims("gone", clock=clock)) is True
    assert revoked(claims("fine", clock=clock)) is False
    auth.tokens = []
    clock.now += 120  # the revoked token has expired: nobody can present it any more
    revoked(claims("fine", clock=clock))
    assert "gone" not in revoked.known_ids()


def test_every_token_of_a_deactivated_subject_issued_before_is_refused():
    clock, auth = Clock(), FakeAuth()
    auth.subjects = [{"sub": "staff-1", "not_before": clock.now, "expires": clock.now + 7200}]
    revoked = make(auth, clock)
    assert revoked(claims("a", "staff-1", iat=clock.now - 5, clock=clock)) is True
    assert revoked(claims("b", "staff-1", iat=clock.now + 5, clock=clock)) is False
    assert revoked(claims("c", "other", iat=clock.now - 5, clock=clock)) is False


def test_a_list_older_than_the_bounded_age_fails_closed_while_auth_is_down():
    clock, auth = Clock(), FakeAuth()
    revoked = make(auth, clock)
    assert revoked(claims(clock=clock)) is False
    auth.down = True
    clock.now += 20  # within the bounded age: the last list is still trusted
    assert revoked(claims(clock=clock)) is False
    clock.now += 20
    with pytest.raises(RevocationsUnavailable):
        revoked(claims(clock=clock))
    auth.down = False
    clock.now += 3
    assert revoked(claims(clock=clock)) is False  # auth is back: the list is fresh again


def test_a_stale_list_is_a_503_with_a_clear_code():
    app = Flask("t")

    class Verifier:
        def verify(self, token):
            raise RevocationsUnavailable("stale")

    with app.test_request_context(headers={"Authorization": "Bearer x.y.z"}):
        with pytest.raises(ApiError) as caught:
            authenticate(Verifier())
    assert caught.value.status == 503 and caught.value.code == "auth_unavailable"
    assert caught.value.headers.get("Retry-After")
