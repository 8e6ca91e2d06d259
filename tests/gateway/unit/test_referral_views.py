"""The patient UI's reading of referrals: which ones serve a service (booking's own rule)."""
import pytest

from gateway.ui.referrals import matches

pytestmark = pytest.mark.unit

SERVICE = {"id": "svc-0001-08", "specialty": "Эндокринология", "requires_referral": True}


@pytest.mark.parametrize("referral, usable", [
    ({"status": "active", "service": {"id": "svc-0001-08"}, "specialty": "Эндокринология"}, True),
    ({"status": "active", "service": {"id": "svc-0003-02"}, "specialty": "Эндокринология"}, False),
    ({"status": "active", "service": None, "specialty": "Эндокринология"}, True),
    ({"status": "active", "service": None, "specialty": "Кардиология"}, False),
    ({"status": "active", "service": None, "specialty": None}, False),
    ({"status": "used", "service": {"id": "svc-0001-08"}, "specialty": "Эндокринология"}, False),
    ({"status": "expired", "service": None, "specialty": "Эндокринология"}, False),
])
def test_a_referral_serves_its_service_or_any_of_its_specialty_while_active(referral, usable):
    assert matches(referral, SERVICE) is usable
