"""Identifiers: NHS number (modulus 11), UK postcode, GP practice ODS code, UK phone number, email address.

Each ``normalise_*`` returns the canonical form or None; none of them raise, whatever they are given.
"""

from __future__ import annotations

import re
from typing import Final

_NHS_STRIP: Final = re.compile(r"[\s-]")
_TEN_DIGITS: Final = re.compile(r"[0-9]{10}")

# Outward code forms A9, A99, AA9, AA99, A9A, AA9A; inward code 9AA. The letters each position may hold (Royal Mail,
# as ONS publishes them): never Q V X first; never I J Z second; A9A's third only A-H J K P S T U W; AA9A's fourth
# only A B E H M N P R V-Y; never C I K M O V in the inward letters.
_FIRST: Final = "[A-PR-UWYZ]"
_SECOND: Final = "[A-HK-Y]"
_POSTCODE: Final = re.compile(
    rf"({_FIRST}[0-9]{{1,2}}|{_FIRST}{_SECOND}[0-9]{{1,2}}|{_FIRST}[0-9][A-HJKPSTUW]|{_FIRST}{_SECOND}[0-9][ABEHMNPRV-Y])"
    r"([0-9][ABD-HJLNP-UW-Z]{2})"
)
_ODS_PRACTICE: Final = re.compile(r"[A-Z][0-9]{5}")
_PHONE_STRIP: Final = re.compile(r"[\s()-]")
_TRUNK_ZERO: Final = re.compile(r"^(\+44|0044)\s*\(0\)")  # +44 (0)1392 ...: the bracketed 0 is not dialled from abroad
_UK_PHONE: Final = re.compile(r"(?:\+44|0)[1-9][0-9]{8,9}")
# Local part: RFC 5322 dot-atom (no quotes, spaces, control characters, leading, trailing or double dots), at most 64;
# domain: labels of letters, digits and inner hyphens, at most 63 each, at least two labels.
_EMAIL_LOCAL: Final = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_EMAIL_DOMAIN: Final = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)
_MAX_INPUT: Final = 64  # nothing valid here is longer; longer input is rejected before any regex work
_MAX_EMAIL: Final = 254


def normalise_nhs_number(value: object) -> str | None:
    """Ten digits with spaces and dashes removed, if the modulus 11 check passes; else None.

    The ten repeated-digit numbers (0000000000 ... 9999999999) pass the arithmetic and are rejected anyway.
    """
    if not isinstance(value, str) or len(value) > _MAX_INPUT:
        return None
    digits = _NHS_STRIP.sub("", value)
    if not _TEN_DIGITS.fullmatch(digits) or len(set(digits)) == 1:
        return None
    total = sum(int(digits[i]) * (10 - i) for i in range(9))
    check = (11 - total % 11) % 11  # 11 becomes 0; 10 equals no digit: no number is issued with it
    return digits if check == int(digits[9]) else None


def is_valid_nhs_number(value: object) -> bool:
    """True for a well-formed NHS number (a passing check does not prove the number was issued)."""
    return normalise_nhs_number(value) is not None


def format_nhs_number(digits: str) -> str:
    """``9434765919`` -> ``943 476 5919`` (display form)."""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else digits


def normalise_postcode(value: object) -> str | None:
    """Upper case with exactly one space before the inward code (``tq12ab`` -> ``TQ1 2AB``), or None if malformed."""
    if not isinstance(value, str) or len(value) > _MAX_INPUT or not value.isascii():
        return None  # ASCII first: str.upper() turns some other letters into ASCII ones ("ﬀ" -> "FF")
    compact = "".join(value.split()).upper()
    if compact == "GIR0AA":
        return "GIR 0AA"
    match = _POSTCODE.fullmatch(compact)
    return f"{match.group(1)} {match.group(2)}" if match else None


def postcode_district(value: object) -> str | None:
    """The outward code (``TQ1 2AB`` -> ``TQ1``) of a valid postcode, else None."""
    normal = normalise_postcode(value)
    return normal[:-4] if normal else None  # the inward code is always " 9AA"


def postcode_sector(value: object) -> str | None:
    """District plus the inward digit (``TQ1 2AB`` -> ``TQ1 2``) of a valid postcode, else None."""
    normal = normalise_postcode(value)
    return normal[:-2] if normal else None


def normalise_ods_code(value: object) -> str | None:
    """A GP practice ODS code: one letter and five digits (``a81001`` -> ``A81001``), else None."""
    if not isinstance(value, str) or len(value) > _MAX_INPUT or not value.isascii():
        return None
    code = value.strip().upper()
    return code if _ODS_PRACTICE.fullmatch(code) else None


def is_valid_ods_code(value: object) -> bool:
    """True for a GP practice ODS code (one letter, five digits)."""
    return normalise_ods_code(value) is not None


def normalise_phone(value: object) -> str | None:
    """A UK phone number without spaces, dashes or brackets (``+44`` or leading 0, 10-11 digits), else None.

    ``0044`` is written ``+44``, and the trunk zero in ``+44 (0)1392 123456`` is dropped: ``+441392123456``.
    """
    if not isinstance(value, str) or len(value) > _MAX_INPUT:
        return None
    compact = _PHONE_STRIP.sub("", _TRUNK_ZERO.sub("+44", value.strip()))
    if compact.startswith("0044"):
        compact = "+44" + compact[4:]
    return compact if _UK_PHONE.fullmatch(compact) else None


def normalise_email(value: object) -> str | None:
    """An email address, trimmed, with the domain lower-cased, else None (format only; nothing is looked up)."""
    if not isinstance(value, str) or len(value) > 4 * _MAX_EMAIL:
        return None
    text = value.strip()
    parts = text.split("@")
    if len(parts) != 2 or len(text) > _MAX_EMAIL:  # the domain's 253 follows from the 254 in all
        return None
    local, domain = parts
    if len(local) > 64 or not (_EMAIL_LOCAL.fullmatch(local) and _EMAIL_DOMAIN.fullmatch(domain)):
        return None
    return f"{local}@{domain.lower()}"
