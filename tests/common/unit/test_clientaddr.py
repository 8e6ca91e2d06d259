"""The client address a service believes, and the key the rate limits count it under."""
import pytest
from flask import Flask

from regcommon.clientaddr import client_address, rate_limit_key, vouched_headers

pytestmark = pytest.mark.unit

TOKEN = "unit-internal-token"


@pytest.mark.parametrize("one, other", [
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2:bbbb:cccc:dddd:9"),   # one customer's /64
    ("2001:DB8:1:2::1", "2001:db8:1:2::1"),                       # spelling does not matter
    ("::ffff:192.0.2.7", "192.0.2.7"),                            # IPv4 mapped into IPv6
])
def test_addresses_of_one_ipv6_subscriber_share_a_key(one, other):
    assert rate_limit_key(one) == rate_limit_key(other)


@pytest.mark.parametrize("one, other", [
    ("2001:db8:1:2::1", "2001:db8:1:3::1"),
    ("192.0.2.7", "192.0.2.8"),
])
def test_different_subscribers_have_different_keys(one, other):
    assert rate_limit_key(one) != rate_limit_key(other)


def test_a_key_is_short_even_for_garbage():
    assert rate_limit_key("x" * 500) == "x" * 64
    assert rate_limit_key("") == "unknown"


@pytest.fixture()
def app():
    app = Flask(__name__)

    @app.get("/who")
    def who():
        return {"address": client_address(TOKEN)}

    return app


def ask(app, headers):
    return app.test_client().get("/who", headers=headers).get_json()["address"]


def test_x_client_ip_without_proof_is_ignored_for_the_socket_peer(app):
    assert ask(app, {"X-Client-IP": "203.0.113.9"}) == "127.0.0.1"
    assert ask(app, {"X-Client-IP": "203.0.113.9", "X-Client-IP-Proof": "0" * 64}) == "127.0.0.1"
    # A proof for another address does not carry over.
    forged = {**vouched_headers(TOKEN, "198.51.100.1"), "X-Client-IP": "203.0.113.9"}
    assert ask(app, forged) == "127.0.0.1"
    assert ask(app, vouched_headers("another-token", "203.0.113.9")) == "127.0.0.1"


def test_x_client_ip_vouched_by_the_gateway_or_the_internal_token_is_believed(app):
    assert ask(app, vouched_headers(TOKEN, "203.0.113.9")) == "203.0.113.9"
    assert ask(app, {"X-Client-IP": "203.0.113.9", "X-Internal-Token": TOKEN}) == "203.0.113.9"
    assert "X-Internal-Token" not in vouched_headers(TOKEN, "203.0.113.9")
