import pytest

from auth.domain import documents as d

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("typed", ["5680784863159153", "5649309309826023", "5680 7848 6315 9153",
                                   "5680-7848-6315-9153", "№ 5680784863159153"])
def test_unified_policy_accepts_valid_numbers_as_people_type_them(typed):
    assert d.normalize_unified_policy(typed) in ("5680784863159153", "5649309309826023")


@pytest.mark.parametrize("typed, fragment", [
    ("5680784863159154", "контрольная цифра"),
    ("5649309309826024", "контрольная цифра"),
    ("568078486315915", "16 цифр"),
    ("56807848631591530", "16 цифр"),
    ("56807848631591ab", "только цифры"),
    ("", "Введите"),
])
def test_unified_policy_refuses_wrong_length_letters_and_check_digit(typed, fragment):
    with pytest.raises(d.DocumentInvalid, match=fragment):
        d.normalize_unified_policy(typed)


def test_unified_policy_refuses_non_ascii_digits_and_non_strings():
    with pytest.raises(d.DocumentInvalid):
        d.normalize_unified_policy("５６８０７８４８６３１５９１５３")
    with pytest.raises(d.DocumentInvalid):
        d.normalize_unified_policy(5680784863159153)


def test_old_policy_series_is_uppercased_and_cyrillic_lookalikes_unified():
    assert d.normalize_old_policy_series("орб-12") == d.normalize_old_policy_series("OPБ12")
    assert d.normalize_old_policy_series("ab 12") == "AB12"
    assert d.normalize_old_policy_series("ав") == "AB"


@pytest.mark.parametrize("series", ["", "ABCDEFGHIJK", "AB!1", "A@"])
def test_old_policy_series_refuses_empty_long_and_symbols(series):
    with pytest.raises(d.DocumentInvalid):
        d.normalize_old_policy_series(series)


def test_old_policy_number_is_digits_up_to_twenty():
    assert d.normalize_old_policy_number("123 456") == "123456"
    assert d.normalize_old_policy_number("1" * 20) == "1" * 20
    with pytest.raises(d.DocumentInvalid, match="20"):
        d.normalize_old_policy_number("1" * 21)
    with pytest.raises(d.DocumentInvalid):
        d.normalize_old_policy_number("12A4")


def test_temporary_certificate_is_exactly_nine_digits():
    assert d.normalize_temporary_certificate("560 123 456") == "560123456"
    for wrong in ("56012345", "5601234567", "56012345X"):
        with pytest.raises(d.DocumentInvalid):
            d.normalize_temporary_certificate(wrong)


@pytest.mark.parametrize("typed", ["112-233-445 95", "11223344595", "112 233 445-95"])
def test_snils_accepts_the_example_in_any_usual_spelling(typed):
    assert d.normalize_snils(typed) == "11223344595"


def test_snils_checksum_rules_including_100_101_and_mod_101():
    assert d.snils_checksum("112233445") == 95
    assert d.snils_checksum("234567890") == 99  # 200 mod 101
    # A sum of exactly 100 or 101 gives 00.
    nine = next(f"{n:09d}" for n in range(1001999, 1100000)
                if sum(int(c) * (9 - i) for i, c in enumerate(f"{n:09d}")) in (100, 101))
    assert d.snils_checksum(nine) == 0


def test_snils_with_a_wrong_check_number_or_length_is_refused():
    with pytest.raises(d.DocumentInvalid, match="контрольное"):
        d.normalize_snils("112-233-445 96")
    with pytest.raises(d.DocumentInvalid, match="11 цифр"):
        d.normalize_snils("112-233-445 9")


def test_snils_numbers_up_to_001_001_998_have_no_check_number():
    assert d.normalize_snils("001-001-998 00") == "00100199800"
    with pytest.raises(d.DocumentInvalid):
        d.normalize_snils("001-001-999 00")


def test_passport_is_four_plus_six_digits_and_number_only_at_login():
    assert d.normalize_passport("53 09 № 123456") == "5309123456"
    with pytest.raises(d.DocumentInvalid):
        d.normalize_passport("123456")
    assert d.normalize_passport("123456", number_only_allowed=True) == "123456"
    with pytest.raises(d.DocumentInvalid):
        d.normalize_passport("53091234567")


@pytest.mark.parametrize("typed", ["IV-АИ 123456", "iv-аи 123456", "IV АИ №123456",
                                   "ІV-АИ123456", "IV-AИ 123456"])
def test_birth_certificate_accepts_lookalikes_spaces_and_number_sign(typed):
    assert d.normalize_birth_certificate(typed) == "IV-АИ 123456"


def test_birth_certificate_series_with_cyrillic_x_and_latin_letters_is_canonical():
    assert d.normalize_birth_certificate("ХII-PA 000001") == "XII-РА 000001"


@pytest.mark.parametrize("typed", ["IIII-АИ 123456", "IV-A1 123456", "IV-АИ 12345", "АИ 123456",
                                   "IV-ЖЖЖ 123456", "QV-АИ 123456"])
def test_birth_certificate_refuses_bad_numeral_letters_or_number(typed):
    with pytest.raises(d.DocumentInvalid):
        d.normalize_birth_certificate(typed)


def test_birth_certificate_number_alone_only_at_login():
    assert d.normalize_birth_certificate("123456", number_only_allowed=True) == "123456"
    with pytest.raises(d.DocumentInvalid):
        d.normalize_birth_certificate("123456")


def test_social_card_rule_digits_six_to_twenty_with_luhn_for_bank_cards():
    assert d.normalize_social_card("9643 1000 1234 5676") == "9643100012345676"
    assert d.normalize_social_card("0012345") == "0012345"
    for wrong in ("9643100012345678", "12345", "1" * 21, "12ab34"):
        with pytest.raises(d.DocumentInvalid):
            d.normalize_social_card(wrong)


def test_identity_match_by_number_part_when_series_omitted():
    assert d.identity_matches("passport", "5309123456", "123456")
    assert not d.identity_matches("passport", "5309123456", "123457")
    assert d.identity_matches("birth_certificate", "IV-АИ 123456", "123456")
    assert d.identity_matches("snils", "11223344595", "11223344595")


def test_masked_policy_shows_only_the_last_four_digits():
    assert d.mask_policy("5680784863159153") == "************9153"
