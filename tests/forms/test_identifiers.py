"""NHS number, postcode, ODS code, phone and email checks."""

from __future__ import annotations

import pytest

from forms import (
    format_nhs_number,
    is_valid_nhs_number,
    is_valid_ods_code,
    normalise_email,
    normalise_nhs_number,
    normalise_ods_code,
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
        ("943 476 5919" + " " * 52, "9434765919"),  # 64 characters: the input limit
        ("943 476 5919" + " " * 53, None),  # 65
        ("943\t476\n5919", "9434765919"),
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
    assert format_nhs_number("943476591") == "943476591"  # not ten digits: shown as it is


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
        # Each position's letters, at the edges of its class (a wider or narrower class gets one of these wrong).
        ("AZ1 1AA", None),  # Z never second
        ("AJ1 1AA", None),  # nor J
        ("AI1 1AA", None),  # nor I
        ("AH1 1AA", "AH1 1AA"),
        ("AK1 1AA", "AK1 1AA"),
        ("AY1 1AA", "AY1 1AA"),
        ("QA1 1AA", None),  # Q, V, X never first
        ("V1 1AA", None),
        ("X1 1AA", None),
        ("P1 1AA", "P1 1AA"),
        ("R1 1AA", "R1 1AA"),
        ("U1 1AA", "U1 1AA"),
        ("W1 1AA", "W1 1AA"),
        ("Y1 1AA", "Y1 1AA"),
        ("Z1 1AA", "Z1 1AA"),
        ("W1J 7NT", "W1J 7NT"),  # A9A third: A-H J K P S T U W
        ("N1C 4AB", "N1C 4AB"),
        ("E1W 1AA", "E1W 1AA"),
        ("W1I 1AA", None),
        ("W1L 1AA", None),
        ("W1Z 1AA", None),
        ("SW1W 0NY", "SW1W 0NY"),  # AA9A fourth: A B E H M N P R V W X Y
        ("EC1V 9AA", "EC1V 9AA"),
        ("EC1Y 9AA", "EC1Y 9AA"),
        ("EC1C 9AA", None),
        ("EC1Z 9AA", None),
        ("EC1U 9AA", None),
        ("TQ1 2AZ", "TQ1 2AZ"),  # inward letters: never C I K M O V
        ("TQ1 2DA", "TQ1 2DA"),
        ("TQ1 2JL", "TQ1 2JL"),
        ("TQ1 2NP", "TQ1 2NP"),
        ("TQ1 2UW", "TQ1 2UW"),
        ("TQ1 2AK", None),
        ("TQ1 2AM", None),
        ("TQ1 2OA", None),
        ("TQ1 2VA", None),
        ("TQ123 1AA", None),  # three digits in the district
        ("T 1AA", None),
        ("TQ1 AAA", None),
        ("TQ1 22A", None),
        ("GIR 0AB", None),  # the one exception is exactly GIR 0AA
        ("ﬀ1 1AA", None),  # "ﬀ".upper() is "FF": not an ASCII postcode
        ("TQ1 2AB" + " " * 57, "TQ1 2AB"),  # 64 characters: the input limit
        ("TQ1 2AB" + " " * 58, None),  # 65
    ],
)
def test_postcodes(raw: object, expected: str | None) -> None:
    assert normalise_postcode(raw) == expected


def test_postcode_district_and_sector() -> None:
    assert postcode_district("pl9 0aa") == "PL9"
    assert postcode_sector("pl9 0aa") == "PL9 0"
    assert postcode_district("nonsense") is None
    assert postcode_sector("nonsense") is None
    assert postcode_district("ec1a1bb") == "EC1A"
    assert postcode_sector("ec1a1bb") == "EC1A 1"


@pytest.mark.parametrize(
    ("raw", "ok"),
    [
        ("A81001", True),
        ("a81001", True),
        ("L83001", True),
        ("Z99999", True),
        (" A81001 ", True),
        ("A8100", False),
        ("A810011", False),  # six digits
        ("810011", False),  # six digits, no letter
        ("AB1001", False),
        ("A8100A", False),
        ("1A8100", False),
        ("", False),
        ("ı81001", False),  # "ı".upper() is "I"
        ("A８1001", False),  # a full-width digit
        ("A81001" + " " * 58, True),  # 64 characters
        ("A81001" + " " * 59, False),
        (None, False),
        (81001, False),
    ],
)
def test_ods_codes(raw: object, ok: bool) -> None:
    assert is_valid_ods_code(raw) is ok
    assert normalise_ods_code(raw) == (str(raw).strip().upper() if ok else None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("01392 123456", "01392123456"),
        ("(01392) 123456", "01392123456"),  # brackets
        ("01392-123-456", "01392123456"),
        ("+44 (0)1392", None),
        ("+44 (0)1392 123456", "+441392123456"),  # the bracketed trunk zero is dropped
        ("+44(0)1392123456", "+441392123456"),
        ("0044 1392 123456", "+441392123456"),  # leading 00: the international prefix
        ("0044 (0)1392 123456", "+441392123456"),
        ("00441392123456", "+441392123456"),
        ("0033 1 23 45 67 89", None),  # not a UK number
        ("00 1392 123456", None),
        ("001392123456", None),
        ("+44 1392 123456", "+441392123456"),
        ("+4401392123456", None),  # a trunk zero written without brackets is a wrong number
        ("07700 900123", "07700900123"),  # 11 digits
        ("0169 77 1234", "0169771234"),  # 10 digits
        ("016977123", None),  # 9
        ("077009001234", None),  # 12
        ("+4477009001234", None),
        ("+44770090012", "+44770090012"),
        ("01392 12345a", None),
        ("+44+1392123456", None),
        ("123", None),
        ("", None),
        (None, None),
        (1392123456, None),
        ("01392 123456" + " " * 52, "01392123456"),  # 64 characters
        ("01392 123456" + " " * 53, None),
    ],
)
def test_phones(raw: object, expected: str | None) -> None:
    assert normalise_phone(raw) == expected


LONGEST = "s" * 64 + "@" + "d" * 63 + "." + "d" * 63 + "." + "d" * 61


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Sam.Carter@NHS.NET", "Sam.Carter@nhs.net"),
        ("  sam@nhs.net  ", "sam@nhs.net"),
        ("sam+mash@devon.gov.uk", "sam+mash@devon.gov.uk"),
        ("o'brien@nhs.net", "o'brien@nhs.net"),
        ("no-at-sign", None),
        ("a@b", None),  # one label: not a domain
        ("a b@c.uk", None),
        ("a@@nhs.net", None),
        ("@nhs.net", None),
        ("sam@", None),
        ("sam@-nhs.net", None),  # a label never starts with a hyphen
        ("sam@nhs-.net", None),  # nor ends with one
        ("sam@nh-s.net", "sam@nh-s.net"),
        ("sam@nhs..net", None),
        ("sam@.nhs.net", None),
        ("sam@nhs.net.", None),
        ("sam@nhs_x.net", None),
        ("sam.@nhs.net", None),  # dots only between atoms in the local part
        (".sam@nhs.net", None),
        ("s..am@nhs.net", None),
        ('"sam"@nhs.net', None),
        ("sa\x00m@nhs.net", None),  # a control character
        ("sa,m@nhs.net", None),
        ("sam@nhs.net,bob@nhs.net", None),
        ("s" * 64 + "@nhs.net", "s" * 64 + "@nhs.net"),  # the local part's limit
        ("s" * 65 + "@nhs.net", None),  # over-long local part
        ("sam@" + "d" * 63 + ".uk", "sam@" + "d" * 63 + ".uk"),  # a label's limit
        ("sam@" + "d" * 64 + ".uk", None),
        (LONGEST, LONGEST),  # 254 characters in all: the limit
        (LONGEST + "d", None),  # 255
        (" " * 700 + "sam@nhs.net", "sam@nhs.net"),
        (" " * 1005 + "sam@nhs.net", "sam@nhs.net"),  # 1,016 characters: the input limit
        (" " * 1006 + "sam@nhs.net", None),  # past the input limit, however short once trimmed
        (None, None),
    ],
)  # fmt: skip
def test_emails(raw: object, expected: str | None) -> None:
    assert normalise_email(raw) == expected
