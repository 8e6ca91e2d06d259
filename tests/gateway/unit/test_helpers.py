"""Micro-cache, redirect targets."""
from __future__ import annotations

import pytest

from gateway.microcache import MicroCache
from gateway.netutil import safe_next

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_microcache_forgets_entries_after_the_ttl():
    clock = Clock()
    cache = MicroCache(2.0, 10, clock=clock)
    cache.put("a", 1)
    clock.now += 1.9
    assert cache.get("a") == 1
    clock.now += 0.2
    assert cache.get("a") is None


def test_microcache_is_bounded_and_drops_the_least_recently_used():
    cache = MicroCache(10, 2, clock=Clock())
    cache.put("a", 1)
    cache.put("b", 2)
    cache.get("a")
    cache.put("c", 3)
    assert len(cache) == 2
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3


@pytest.mark.parametrize("target,expected", [
    ("/book/confirm", "/book/confirm"),
    ("/cabinet?x=1", "/cabinet?x=1"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("cabinet", "/"),
    (None, "/"),
])
def test_after_login_only_local_paths_are_followed(target, expected):
    assert safe_next(target) == expected
