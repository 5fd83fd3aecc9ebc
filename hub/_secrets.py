"""Secrets the hub hands out (tokens, enrolment codes) and the hashes it keeps instead of them; secrets it keeps and
must read back (TOTP seeds), sealed with AES-256-GCM.

Every secret carries at least 60 random bits and is checked by an indexed lookup of its SHA-256: a slow hash adds
nothing against guessing a random 256-bit token, and only the hash is ever stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_CODE_ALPHABET: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on a phone


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_access_token() -> str:
    return "at_" + secrets.token_urlsafe(32)


def new_refresh_token() -> str:
    return "rt_" + secrets.token_urlsafe(32)


def new_enrol_code() -> str:
    """Twelve characters from a 32-letter alphabet (60 bits) in three groups: ``ABCD-EFGH-JKLM``."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def normalise_code(code: str) -> str:
    """Codes are typed by people: ignore case, spaces and dashes, then put the dashes back."""
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def new_key() -> str:
    """A hub key (256 random bits, URL-safe text) for ``successor_pair``."""
    return secrets.token_urlsafe(32)


def successor_pair(key: str, refresh_token: str) -> tuple[str, str]:
    """The (access, refresh) pair a refresh token is exchanged for: HMAC-SHA-256 under the hub's key, so the same
    token always gets the same pair (a retry repeats the answer, nothing new is minted) and nobody without the key
    can work out a successor from a token they hold."""

    def mac(label: bytes) -> str:
        raw = hmac.new(key.encode(), label + b"\0" + refresh_token.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return "at_" + mac(b"access"), "rt_" + mac(b"refresh")


# Secrets the hub must read back (TOTP seeds) are sealed, not hashed: AES-256-GCM under a 256-bit hub key, a fresh
# 96-bit nonce each time, and associated data naming what the secret belongs to, so a sealed value copied to another
# row does not open there. Text form: "v1." + base64url(nonce || ciphertext || tag).
_SEALED_PREFIX: Final = "v1."


class SealError(ValueError):
    """A sealed value that does not open under this key (tampered, moved to another row, or another hub's key)."""


def new_seal_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def _aead(key: str) -> AESGCM:
    raw = base64.urlsafe_b64decode(key.encode())
    if len(raw) != 32:
        raise SealError("a sealing key is 32 bytes")
    return AESGCM(raw)


def seal(key: str, context: str, secret: str) -> str:
    nonce = secrets.token_bytes(12)
    sealed = _aead(key).encrypt(nonce, secret.encode(), context.encode())
    return _SEALED_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(key: str, context: str, sealed: str) -> str:
    if not sealed.startswith(_SEALED_PREFIX):
        raise SealError("not a sealed value")
    try:
        raw = base64.urlsafe_b64decode(sealed[len(_SEALED_PREFIX) :].encode())
        return _aead(key).decrypt(raw[:12], raw[12:], context.encode()).decode()
    except (InvalidTag, ValueError) as exc:
        raise SealError("the sealed value does not open under this key") from exc
