import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from communities.phones import mask_mobile, normalize_mobile


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+8613812345678",
        "+86 138 1234 5678",
        "008613812345678",
        "8613812345678",
        "１３８１２３４５６７８",
        "138 1234 5678",
    ],
)
def test_usual_spellings_normalise_to_one_form(raw):
    assert normalize_mobile(raw) == "+8613812345678"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12345",
        "23812345678",
        "1381234567",
        "138123456789",
        "12812345678",
        "abc",
        "+1 415 555 0100",
        "138一二三四五六七八",
    ],
)
def test_malformed_numbers_are_refused_with_a_message(raw):
    with pytest.raises(ValidationError) as error:
        normalize_mobile(raw)
    assert "11" in str(error.value.messages[0])


def test_masking_keeps_the_first_three_and_last_four_digits():
    assert mask_mobile("+8613812341234") == "138****1234"
    assert mask_mobile("") == ""


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_every_mainland_mobile_number_round_trips(digits):
    assert normalize_mobile(digits) == f"+86{digits}"
    assert normalize_mobile(f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}") == f"+86{digits}"
    assert mask_mobile(normalize_mobile(digits)) == f"{digits[:3]}****{digits[-4:]}"
