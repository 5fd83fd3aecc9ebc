"""Key wrapping and the header file that holds the wrapped database key.

Key hierarchy: the database key is 32 random bytes given to SQLCipher as a raw key. It is stored only wrapped with
AES-256-GCM under a key-encryption key (KEK) that Argon2id derives from the passphrase. The associated data binds the
wrap to the header format and the device id, so a wrapped key moved to another header does not open.

The header is JSON, written atomically (``_paths.atomic_write``)::

    {"magic": "mash-field-vault", "format": 1, "device_id": "<uuid>", "state": "active" | "erased",
     "kdf": {"alg": "argon2id", "salt": "<b64>", "memory_kib": m, "iterations": t, "lanes": p},
     "key": {"nonce": "<b64>", "ct": "<b64>"},          # the database key, wrapped
     "pending": null | {"nonce": ..., "ct": ...},       # a new key during rotate_key (two-phase)
     "checksum": "<sha256 hex of the canonical JSON of everything else>"}

The checksum catches accidental damage (a truncated or bit-flipped header) with a clear error before any passphrase
is tried. A deliberate edit that also fixes the checksum changes the associated data or the KDF inputs, so the wrap no
longer opens: that reads as a wrong passphrase, because without the key the two cannot be told apart.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from sync._errors import VaultCorrupt, VaultTooNew
from sync._paths import atomic_write

MAGIC: Final = "mash-field-vault"
HEADER_FORMAT: Final = 1
KEY_BYTES: Final = 32
SALT_BYTES: Final = 16
NONCE_BYTES: Final = 12
MAX_MEMORY_KIB: Final = 4 * 1024 * 1024  # 4 GiB
MAX_ITERATIONS: Final = 64


@dataclass(frozen=True, slots=True)
class KdfParams:
    """Argon2id cost for new wraps; docs/threat-model.md says why these values.

    64 MiB and 4 lanes are RFC 9106's recommendation for machines short of memory (an older 8 GB council laptop
    running the app beside a browser and Teams), with one pass more than its t=3 so that unlock takes 0.3-1 s; far
    above OWASP's floor (19 MiB, t=2). A vault keeps the cost written in its header (see ``Vault.unlock``).
    """

    memory_kib: int = 64 * 1024
    iterations: int = 4
    lanes: int = 4

    def covers(self, other: KdfParams) -> bool:
        """At least as costly as ``other`` in memory and in time (so re-wrapping with it weakens nothing)."""
        return self.memory_kib >= other.memory_kib and self.iterations >= other.iterations


@dataclass(frozen=True, slots=True)
class WrappedKey:
    nonce: bytes
    ct: bytes


@dataclass(frozen=True, slots=True)
class Header:
    device_id: str
    state: Literal["active", "erased"]
    salt: bytes
    kdf: KdfParams
    key: WrappedKey | None
    pending: WrappedKey | None = None
    format: int = HEADER_FORMAT

    def erased(self) -> Header:
        """The same header with every wrapped key destroyed."""
        return replace(self, state="erased", key=None, pending=None, salt=b"")


def new_key() -> bytearray:
    """A fresh 32-byte database key (a bytearray, so it can be wiped)."""
    return bytearray(secrets.token_bytes(KEY_BYTES))


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)


def derive_kek(passphrase: str, salt: bytes, params: KdfParams) -> bytearray:
    """The key-encryption key, derived straight into a bytearray; the passphrase's UTF-8 copy is wiped after.
    (The ``str`` itself is immutable: Python gives no way to wipe it.)"""
    kdf = Argon2id(
        salt=salt,
        length=KEY_BYTES,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    secret = bytearray(passphrase, "utf-8")
    kek = bytearray(KEY_BYTES)
    try:
        kdf.derive_into(secret, kek)  # type: ignore[arg-type]  # any buffer works; the stub says bytes
    except BaseException:
        wipe(kek)
        raise
    finally:
        wipe(secret)
    return kek


def _associated_data(device_id: str, fmt: int) -> bytes:
    return json.dumps({"magic": MAGIC, "format": fmt, "device_id": device_id}, sort_keys=True).encode()


def wrap_key(kek: bytearray, key: bytearray, device_id: str) -> WrappedKey:
    """The key sealed under the KEK. Both are passed as the bytearrays they are: no ``bytes`` copy is made."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    ct = AESGCM(kek).encrypt(nonce, key, _associated_data(device_id, HEADER_FORMAT))
    return WrappedKey(nonce=nonce, ct=ct)


def unwrap_key(kek: bytearray, wrapped: WrappedKey, device_id: str, fmt: int = HEADER_FORMAT) -> bytearray | None:
    """The database key, decrypted straight into a bytearray; None when the KEK (the passphrase) is wrong or the
    wrap was tampered with."""
    key = bytearray(KEY_BYTES)
    try:
        AESGCM(kek).decrypt_into(wrapped.nonce, wrapped.ct, _associated_data(device_id, fmt), key)
    except (InvalidTag, ValueError):
        wipe(key)
        return None
    return key


def wipe(buffer: bytearray | None) -> None:
    """Overwrite key material in place (best effort: see docs/threat-model.md for the copies Python keeps)."""
    if buffer is not None:
        buffer[:] = bytes(len(buffer))


# --- header file ---------------------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("expected base64 text")
    return base64.b64decode(text, validate=True)


def _wrapped_to_json(wrapped: WrappedKey | None) -> dict[str, str] | None:
    return None if wrapped is None else {"nonce": _b64(wrapped.nonce), "ct": _b64(wrapped.ct)}


def _wrapped_from_json(data: object) -> WrappedKey | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ValueError("wrapped key is not an object")
    nonce, ct = _unb64(data["nonce"]), _unb64(data["ct"])
    if len(nonce) != NONCE_BYTES or len(ct) != KEY_BYTES + 16:
        raise ValueError("wrapped key has the wrong size")
    return WrappedKey(nonce=nonce, ct=ct)


def _body(header: Header) -> dict[str, Any]:
    return {
        "magic": MAGIC,
        "format": header.format,
        "device_id": header.device_id,
        "state": header.state,
        "kdf": {
            "alg": "argon2id",
            "salt": _b64(header.salt),
            "memory_kib": header.kdf.memory_kib,
            "iterations": header.kdf.iterations,
            "lanes": header.kdf.lanes,
        },
        "key": _wrapped_to_json(header.key),
        "pending": _wrapped_to_json(header.pending),
    }


def _checksum(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def encode_header(header: Header) -> bytes:
    body = _body(header)
    body["checksum"] = _checksum(body)
    return json.dumps(body, sort_keys=True, indent=1).encode() + b"\n"


def _reasonable(params: KdfParams) -> bool:
    """Bounds on the Argon2id cost read from disk, so a doctored header cannot make unlock eat all memory or time."""
    return (
        1 <= params.lanes <= 16
        and 8 * params.lanes <= params.memory_kib <= MAX_MEMORY_KIB
        and 1 <= params.iterations <= MAX_ITERATIONS
    )


def decode_header(raw: bytes) -> Header:
    """Parse and check a header. Raises VaultCorrupt (damaged, foreign, tampered) or VaultTooNew."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise VaultCorrupt("the key header is not readable") from None
    if not isinstance(body, dict) or body.get("magic") != MAGIC:
        raise VaultCorrupt("the key header does not belong to this app")
    checksum = body.pop("checksum", None)
    if checksum != _checksum(body):
        raise VaultCorrupt("the key header fails its checksum")
    fmt = body.get("format")
    if not isinstance(fmt, int):
        raise VaultCorrupt("the key header has no format version")
    if fmt > HEADER_FORMAT:
        raise VaultTooNew(fmt, HEADER_FORMAT, what="key header")
    try:
        kdf = body["kdf"]
        if kdf["alg"] != "argon2id":
            raise ValueError("unknown kdf")
        params = KdfParams(
            memory_kib=int(kdf["memory_kib"]), iterations=int(kdf["iterations"]), lanes=int(kdf["lanes"])
        )
        if not _reasonable(params):
            raise ValueError("unreasonable kdf cost")
        state = body["state"]
        if state not in ("active", "erased"):
            raise ValueError("unknown state")
        header = Header(
            device_id=str(body["device_id"]),
            state=state,
            salt=_unb64(kdf["salt"]),
            kdf=params,
            key=_wrapped_from_json(body["key"]),
            pending=_wrapped_from_json(body["pending"]),
            format=fmt,
        )
    except (KeyError, TypeError, ValueError):
        raise VaultCorrupt("the key header is incomplete") from None
    if header.state == "active" and (header.key is None or len(header.salt) != SALT_BYTES):
        raise VaultCorrupt("the key header holds no key")
    return header


def read_header(path: Path) -> Header:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise VaultCorrupt("the key header is missing") from None
    return decode_header(raw)


def write_header(path: Path, header: Header) -> None:
    atomic_write(path, encode_header(header))


__all__ = [
    "HEADER_FORMAT",
    "Header",
    "KdfParams",
    "WrappedKey",
    "decode_header",
    "derive_kek",
    "encode_header",
    "new_key",
    "new_salt",
    "read_header",
    "unwrap_key",
    "wipe",
    "wrap_key",
    "write_header",
]
