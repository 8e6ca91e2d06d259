import threading

import pytest
from sqlalchemy import event, func, select

from regcommon.clientaddr import vouched_headers

from auth import seed
from auth.adapters.tables import login_attempts

pytestmark = pytest.mark.integration


def post_login(app, body, ip):
    """A login as the gateway sends it: the client's address vouched for with the internal token."""
    return app.test_client().post("/v1/auth/oms", json=body,
                                  headers=vouched_headers("test-internal", ip))


def test_correct_policy_and_birth_date_log_in(seeded, helpers):
    response = post_login(seeded, helpers.login_body(), "10.0.0.1")
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["patient"]["full_name"] == "Иванова Мария Петровна"


def test_sixth_wrong_birth_date_from_one_address_is_429_across_two_instances(seeded, make_app,
                                                                            seeded_url, helpers):
    other = make_app(seeded_url)
    for attempt in range(5):
        app = seeded if attempt % 2 else other
        response = post_login(app, helpers.login_body(birth="1985-03-15"), "10.1.0.1")
        assert response.status_code == 401
    sixth = post_login(seeded, helpers.login_body(birth="1985-03-15"), "10.1.0.1")
    assert sixth.status_code == 429
    assert sixth.get_json()["error"]["code"] == "too_many_attempts"
    assert 800 < int(sixth.headers["Retry-After"]) <= 900
    # Locked from that address even for the right birth date, on the other instance too.
    assert post_login(other, helpers.login_body(), "10.1.0.1").status_code == 429


def test_five_wrong_birth_dates_do_not_lock_the_owner_out_from_another_address(seeded, helpers):
    for _ in range(6):
        post_login(seeded, helpers.login_body(birth="1985-03-15"), "203.0.113.66")
    assert post_login(seeded, helpers.login_body(), "203.0.113.66").status_code == 429
    assert post_login(seeded, helpers.login_body(), "198.51.100.7").status_code == 200


def test_spraying_one_policy_from_many_addresses_is_slowed_for_at_most_the_window(seeded,
                                                                                helpers):
    for index in range(20):  # four addresses, five failures each
        response = post_login(seeded, helpers.login_body(birth="1985-03-15"),
                              f"10.7.0.{index // 5}")
        assert response.status_code == 401
    fresh = post_login(seeded, helpers.login_body(), "10.7.1.1")
    assert fresh.status_code == 429
    # A window that frees itself (at most an hour), never the old day-long lockout.
    assert 0 < int(fresh.headers["Retry-After"]) <= 3600


def test_the_lockout_of_one_address_grows_with_each_repeat(seeded, helpers):
    from datetime import timedelta

    from sqlalchemy import update

    from auth.adapters.tables import login_locks

    def lock_out() -> int:
        for _ in range(5):
            post_login(seeded, helpers.login_body(birth="1985-03-15"), "10.8.0.1")
        return int(post_login(seeded, helpers.login_body(), "10.8.0.1").headers["Retry-After"])

    first = lock_out()
    engine = seeded.extensions["auth_engine"]
    with engine.begin() as conn:  # the first lockout has run out
        conn.execute(update(login_locks).where(login_locks.c.kind == "policy_address")
                     .values(locked_until=login_locks.c.locked_until - timedelta(hours=1)))
    second = lock_out()
    assert 800 < first <= 900 and 1700 < second <= 1800


def test_reception_unlocks_a_locked_out_patient(seeded, helpers):
    for _ in range(6):
        post_login(seeded, helpers.login_body(birth="1985-03-15"), "10.9.0.1")
    assert post_login(seeded, helpers.login_body(), "10.9.0.1").status_code == 429
    client = seeded.test_client()
    staff = client.post("/v1/auth/staff", json={"login": "registrar", "password": "registrar-demo"})
    headers = helpers.bearer(staff.get_json()["access_token"])
    patient_id = client.get("/v1/registry/patients?last_name=Иванова",
                            headers=headers).get_json()["items"][0]["id"]
    unlocked = client.post(f"/v1/registry/patients/{patient_id}/unlock-login", headers=headers)
    assert unlocked.status_code == 204
    assert post_login(seeded, helpers.login_body(), "10.9.0.1").status_code == 200


def test_staff_lockout_is_keyed_on_login_and_address_and_an_admin_lifts_it(seeded, seeded_url,
                                                                          monkeypatch):
    from click.testing import CliRunner

    from auth.__main__ import cli

    def staff_login(password, ip):
        return seeded.test_client().post("/v1/auth/staff", headers=vouched_headers("test-internal", ip),
                                         json={"login": "registrar", "password": password})

    for _ in range(5):
        assert staff_login("wrong-password", "10.10.0.1").status_code == 401
    assert staff_login("registrar-demo", "10.10.0.1").status_code == 429
    assert staff_login("registrar-demo", "10.10.0.2").status_code == 200  # the desk's own PC
    for _ in range(5):
        staff_login("wrong-password", "10.10.0.1")
    monkeypatch.setenv("AUTH_DATABASE_URL", seeded_url)
    result = CliRunner().invoke(cli, ["unlock-staff", "--login", "Registrar"])
    assert result.exit_code == 0, result.output
    assert staff_login("registrar-demo", "10.10.0.1").status_code == 200


def test_twenty_first_failure_from_one_address_is_429_across_two_instances(seeded, make_app,
                                                                          seeded_url, helpers):
    other = make_app(seeded_url)
    for attempt in range(20):
        app = seeded if attempt % 2 else other
        body = helpers.login_body(policy=helpers.unknown_policy())
        assert post_login(app, body, "192.0.2.7").status_code == 401
    response = post_login(seeded, helpers.login_body(policy=helpers.unknown_policy()), "192.0.2.7")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    # Another address is not affected.
    assert post_login(seeded, helpers.login_body(), "192.0.2.8").status_code == 200


def test_rotating_x_client_ip_without_the_internal_token_still_hits_the_address_limit(seeded,
                                                                                     helpers):
    client = seeded.test_client()
    statuses = [client.post("/v1/auth/oms", json=helpers.login_body(policy=helpers.unknown_policy()),
                            headers={"X-Client-IP": f"198.51.100.{n}"}).status_code
                for n in range(21)]
    assert statuses == [401] * 20 + [429]


def test_one_ipv6_subscriber_counts_once_for_the_address_limit(seeded, helpers):
    for n in range(20):
        body = helpers.login_body(policy=helpers.unknown_policy())
        assert post_login(seeded, body, f"2001:db8:5:6::{n + 1:x}").status_code == 401
    body = helpers.login_body(policy=helpers.unknown_policy())
    assert post_login(seeded, body, "2001:db8:5:6:ffff::1").status_code == 429
    assert post_login(seeded, helpers.login_body(), "2001:db8:5:7::1").status_code == 200


def test_unknown_policy_and_wrong_birth_date_answer_byte_identically(seeded, helpers):
    wrong_birth = post_login(seeded, helpers.login_body(birth="1985-03-15"), "10.2.0.1")
    unknown = post_login(seeded, helpers.login_body(policy=helpers.unknown_policy()), "10.2.0.2")
    assert wrong_birth.status_code == unknown.status_code == 401
    assert wrong_birth.data == unknown.data
    assert "регистратур" in unknown.get_json()["error"]["message"]
    differing = {k for k in set(wrong_birth.headers.keys()) | set(unknown.headers.keys())
                 if wrong_birth.headers.get(k) != unknown.headers.get(k)}
    assert differing <= {"X-Request-ID"}


def test_unknown_and_known_policies_cost_the_same_database_work(seeded, helpers):
    engine = seeded.extensions["auth_engine"]
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement.split()[0])

    event.listen(engine, "before_cursor_execute", count)
    try:
        post_login(seeded, helpers.login_body(birth="1985-03-15"), "10.3.0.1")
        known = list(statements)
        statements.clear()
        post_login(seeded, {**helpers.login_body(policy=helpers.unknown_policy()),
                            "identity_document": None}, "10.3.0.2")
        unknown = list(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert known == unknown and len(known) > 3


def test_malformed_input_is_422_and_not_counted(seeded, helpers):
    for _ in range(10):
        response = post_login(seeded, helpers.login_body(policy="5680784863159154"), "10.4.0.1")
        assert response.status_code == 422
        assert "policy_number" in response.get_json()["error"]["fields"]
    with seeded.extensions["auth_context"].sessions() as session:
        assert session.execute(select(func.count()).select_from(login_attempts)).scalar() == 0
    assert post_login(seeded, helpers.login_body(), "10.4.0.1").status_code == 200


@pytest.mark.parametrize("backend", ["pg", "sqlite"])
def test_concurrent_failures_on_two_instances_never_exceed_five(backend, make_app, pg_url,
                                                                 sqlite_url, helpers):
    url = pg_url if backend == "pg" else sqlite_url
    first, second = make_app(url), make_app(url)
    seed.seed_demo(first.extensions["auth_context"])
    statuses: list[int] = []
    lock = threading.Lock()

    def attack(app, index):
        status = post_login(app, helpers.login_body(birth="1990-01-01"), "10.5.0.1").status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=attack, args=(first if i % 2 else second, i))
               for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(401) == 5 and statuses.count(429) == 7


def test_lockout_grows_after_a_repeat(sqlite_url, make_app):
    from datetime import timedelta

    from regcommon.db import session_scope, utcnow

    from auth.adapters.limiter import AttemptLimiter, Limit
    from auth.domain.errors import TooManyAttempts

    ctx = make_app(sqlite_url).extensions["auth_context"]
    limiter = AttemptLimiter()
    limit = Limit("policy", 5, 900, 900, 86400)
    keys = [(limit, "k")]
    start = utcnow()

    def fail_five(at):
        for i in range(5):
            with session_scope(ctx.sessions) as session:
                limiter.lock_keys(session, keys)
                limiter.check(session, keys, at + timedelta(seconds=i))
                limiter.record(session, keys, False, at + timedelta(seconds=i))

    def retry_after(at):
        with session_scope(ctx.sessions) as session:
            with pytest.raises(TooManyAttempts) as caught:
                limiter.check(session, keys, at)
        return caught.value.retry_after

    fail_five(start)
    assert 890 <= retry_after(start + timedelta(seconds=5)) <= 900
    later = start + timedelta(seconds=1000)
    fail_five(later)
    assert 1790 <= retry_after(later + timedelta(seconds=5)) <= 1800


def test_every_attempt_is_logged_with_a_masked_policy_and_no_birth_date(seeded, helpers):
    import json
    import logging

    from regcommon.logs import JsonFormatter

    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(JsonFormatter("auth").format(record))

    handler = Collect()
    logger = logging.getLogger("auth.login")
    logger.addHandler(handler)
    try:
        post_login(seeded, helpers.login_body(birth="1985-03-15"), "10.6.0.1")
        post_login(seeded, helpers.login_body(), "10.6.0.1")
    finally:
        logger.removeHandler(handler)
    attempts = [line for line in lines if '"login_attempt"' in line]
    assert len(attempts) == 2
    outcomes = [json.loads(line)["outcome"] for line in attempts]  # one JSON object a line
    assert outcomes == ["failure", "success"]
    for line in attempts:
        assert "9153" in line and helpers.POLICY not in line
        assert "1985" not in line and "03-1" not in line


def test_limit_keys_are_a_keyed_hmac_and_staff_logs_name_no_login(make_app, seeded_url, helpers):
    import hashlib
    import logging

    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("auth.login")
    app = make_app(seeded_url, policy_key_secret="first-secret-0123456789")
    post_login(app, helpers.login_body(birth="1985-03-15"), "10.12.0.1")
    logger.addHandler(handler)
    try:
        app.test_client().post("/v1/auth/staff", json={"login": "registrar", "password": "wrong"})
    finally:
        logger.removeHandler(handler)
    with app.extensions["auth_context"].sessions() as session:
        keys = {row.key for row in session.execute(select(login_attempts.c.key).where(
            login_attempts.c.kind.in_(("policy", "staff"))))}
    unkeyed = {hashlib.sha256(f"oms_unified::{helpers.POLICY}".encode()).hexdigest(),
               hashlib.sha256(b"registrar").hexdigest()}
    assert len(keys) == 2 and not keys & unkeyed
    other = make_app(seeded_url, policy_key_secret="second-secret-987654321")
    post_login(other, helpers.login_body(birth="1985-03-15"), "10.12.0.1")
    with other.extensions["auth_context"].sessions() as session:
        again = {row.key for row in session.execute(select(login_attempts.c.key).where(
            login_attempts.c.kind == "policy"))}
    assert len(again) == 2  # another secret, another key
    staff_lines = [r for r in records if r.getMessage() == "staff login attempt"]
    assert staff_lines and all("registrar" not in str(r.__dict__) for r in staff_lines)
