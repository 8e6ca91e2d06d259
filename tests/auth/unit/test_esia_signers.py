import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from auth.adapters.esia import EsiaError, GostSigner, RsaTestSigner, esia_timestamp, make_signer

pytestmark = pytest.mark.unit


def test_gost_signer_without_provider_fails_clearly():
    with pytest.raises(EsiaError, match="GOST"):
        GostSigner().sign(b"data")


def test_gost_signer_delegates_to_a_plugged_provider():
    provider = RsaTestSigner()
    assert GostSigner(provider).certificate_hash() == provider.certificate_hash()


def test_rsa_test_signer_signature_verifies_with_its_public_key():
    signer = RsaTestSigner()
    signature = signer.sign(b"client+scope")
    signer.key.public_key().verify(signature, b"client+scope", padding.PKCS1v15(), hashes.SHA256())


def test_esia_timestamp_has_the_documented_format():
    from datetime import datetime, timezone

    assert esia_timestamp(datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)) == "2026.01.02 03:04:05 +0000"


def test_unknown_signer_kind_is_refused():
    with pytest.raises(ValueError):
        make_signer("md5")
