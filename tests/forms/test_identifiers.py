"""NHS number, postcode, ODS code, phone and email checks."""

from __future__ import annotations

import pytest

from forms import (
    format_nhs_number,
    is_valid_nhs_number,
    is_valid_ods_code,
    normalise_email,
    normalise_nhs_number,
    normalise_phone,
    normalise_postcode,
    postcode_district,
    postcode_sector,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("9434765919", "9434765919"),  # the worked example in domain.md
        ("943 476 5919", "9434765919"),  # spaces
        ("943-476-5919", "9434765919"),  # dashes
        (" 943 476-5919 ", "9434765919"),  # both, and padding
        ("9990000018", "9990000018"),
        ("9434765918", None),  # wrong check digit
        ("9434765910", None),
        ("1000000010", None),  # remainder gives check digit 10: never issued
        ("943476591", None),  # nine digits
        ("94347659190", None),  # eleven digits
        ("", None),
        ("943476591X", None),
        ("９４３４７６５９１９", None),  # full-width digits are not digits here
        (None, None),
        (9434765919, None),  # a number, not a string
        ("9" * 10_000, None),
    ],
)
def test_nhs_numbers(raw: object, expected: str | None) -> None:
    assert normalise_nhs_number(raw) == expected
    assert is_valid_nhs_number(raw) is (expected is not None)


def _check_digit(nine: str) -> int:
    c = 11 - sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True)) % 11
    return 0 if c == 11 else c


def test_check_digit_eleven_becomes_zero() -> None:
    nine = next(f"{n:09d}" for n in range(100_000_000, 100_100_000) if _check_digit(f"{n:09d}") == 0)
    assert is_valid_nhs_number(nine + "0")
    assert not is_valid_nhs_number(nine + "1")


def test_check_digit_ten_is_invalid_whatever_the_last_digit() -> None:
    nine = next(f"{n:09d}" for n in range(100_000_000, 100_100_000) if _check_digit(f"{n:09d}") == 10)
    assert not any(is_valid_nhs_number(nine + d) for d in "0123456789")


@pytest.mark.parametrize("digit", "0123456789")
def test_repeated_digits_pass_the_arithmetic_and_are_rejected(digit: str) -> None:
    number = digit * 10
    assert _check_digit(number[:9]) == int(digit)  # why the special rule exists (domain.md)
    assert not is_valid_nhs_number(number)
    assert not is_valid_nhs_number(f"{number[:3]} {number[3:6]} {number[6:]}")


def test_format_nhs_number() -> None:
    assert format_nhs_number("9434765919") == "943 476 5919"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("tq12ab", "TQ1 2AB"),
        ("TQ1  2AB", "TQ1 2AB"),
        ("m1 1ae", "M1 1AE"),  # A9 9AA
        ("B33 8TH", "B33 8TH"),  # A99 9AA
        ("CR2 6XH", "CR2 6XH"),  # AA9 9AA
        ("DN55 1PT", "DN55 1PT"),  # AA99 9AA
        ("W1A 0AX", "W1A 0AX"),  # A9A 9AA
        ("EC1A 1BB", "EC1A 1BB"),  # AA9A 9AA
        ("gir 0aa", "GIR 0AA"),
        ("PL9 0AA", "PL9 0AA"),
        ("TQ1 2A", None),
        ("TQ1 2ABC", None),
        ("1Q1 2AB", None),
        ("TQ1 2CI", None),  # C and I never appear in the inward letters
        ("", None),
        (None, None),
        ("TQ1 2AB" * 100, None),
    ],
)
def test_postcodes(raw: object, expected: str | None) -> None:
    assert normalise_postcode(raw) == expected


def test_postcode_district_and_sector() -> None:
    assert postcode_district("pl9 0aa") == "PL9"
    assert postcode_sector("pl9 0aa") == "PL9 0"
    assert postcode_district("nonsense") is None


@pytest.mark.parametrize(
    ("raw", "ok"),
    [("A81001", True), ("a81001", True), ("L83001", True), ("A8100", False), ("AB1001", False), ("", False)],
)
def test_ods_codes(raw: str, ok: bool) -> None:
    assert is_valid_ods_code(raw) is ok


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("01392 123456", "01392123456"), ("+44 (0)1392", None), ("+44 1392 123456", "+441392123456"), ("123", None)],
)
def test_phones(raw: str, expected: str | None) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Sam.Carter@NHS.NET", "Sam.Carter@nhs.net"), ("no-at-sign", None), ("a@b", None), ("a b@c.uk", None)],
)
def test_emails(raw: str, expected: str | None) -> None:
    assert normalise_email(raw) == expected
