"""Photographs for the form's ``attachment`` field: what is accepted, the checks on a picked file, the field's value.

Plain Python (no Flet, no disk): the renderer hands over what the file picker gave, the app's photo store
(``fieldapp/_photo_store.py``) stores the bytes in the vault, and this module decides whether they may go there. The
content decides the type (its leading bytes), not the file name: a renamed document is refused, a ``.jpg`` that
really is a PNG is stored as PNG.

The value is what the forms engine expects for the kind (``forms.AttachmentRef``):
``{"sha256", "name", "media_type", "size"}``.

Why 10 MB: a phone camera's photograph is 2-6 MB; in web mode the picked bytes travel to the app in one WebSocket
message, and the web server (uvicorn, as Flet starts it) closes the connection on a message over 16 MiB.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from forms import AttachmentRef

if TYPE_CHECKING:
    from fieldapp.state.form import FormSession

MB = 1024 * 1024
MAX_PHOTO_BYTES = 10 * MB

#: What the picker offers (file name extensions) and what each is stored as when the content agrees.
EXTENSIONS: dict[str, str] = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "heic": "image/heic",
    "heif": "image/heif",
}
#: Types the app can draw as a preview (Flutter's web engine and desktop decode these; HEIC only on some systems).
PREVIEWABLE = frozenset({"image/jpeg", "image/png"})

_PNG = b"\x89PNG\r\n\x1a\n"
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"})
_HEIF_BRANDS = frozenset({b"mif1", b"msf1"})
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")
MAX_NAME = 255


@dataclass(frozen=True)
class PickedFile:
    """One file as the picker returned it: the bytes (web mode) or a path to read them from (desktop)."""

    name: str
    size: int
    data: bytes | None = None
    path: str | None = None
    error: str = ""  # the pick failed on the way (e.g. the browser connection dropped): say this, change nothing


@dataclass(frozen=True)
class PhotoOutcome:
    """Either a value for the field, or a message saying why nothing changed."""

    value: dict[str, Any] | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.value is not None


def sniff(data: bytes) -> str | None:
    """The image type the bytes really are (JPEG, PNG, HEIC/HEIF), or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == _PNG and data[12:16] == b"IHDR":
        return "image/png"
    if len(data) >= 12 and data[4:8] == b"ftyp":
        # ISO base media file: the major brand, then compatible brands up to the box's end.
        major = data[8:12]
        box_end = min(int.from_bytes(data[0:4], "big"), len(data), 256)
        brands = {major} | {data[i : i + 4] for i in range(16, box_end - 3, 4)}
        if major in _HEIC_BRANDS:
            return "image/heic"
        if major in _HEIF_BRANDS and b"avif" not in brands:
            return "image/heic" if brands & _HEIC_BRANDS else "image/heif"
    return None


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < MB:
        return f"{size / 1024:.0f} KB"
    return f"{size / MB:.1f} MB"


def safe_name(name: str) -> str:
    """The file's own name without any folder, control characters or excess length (never empty)."""
    base = re.split(r"[\\/]", name)[-1]
    base = _UNSAFE.sub("", base).strip() or "photograph"
    if len(base) > MAX_NAME:
        stem, dot, ext = base.rpartition(".")
        keep = ext[:16] if dot and stem else ""
        base = base[: MAX_NAME - len(keep) - 1] + "." + keep if keep else base[:MAX_NAME]
    return base


#: What the user reads when a picked file never reached the app (web mode: over the WebSocket's message limit).
LOST_MESSAGE = (
    "The photograph did not reach the app: the file is probably too big "
    "(photographs can be up to 10.0 MB). Nothing was added."
)

NOT_OPENED_MESSAGE = "The file picker could not be opened. Try again."


def too_big_message(size: int) -> str:
    return f"That file is too big ({human_size(size)}). Photographs can be up to {human_size(MAX_PHOTO_BYTES)}."


def check_size(size: int) -> str:
    """A message if a file of ``size`` bytes cannot be taken (before reading it), else ""."""
    if size <= 0:
        return "That file is empty. Choose a photograph (JPEG, PNG or HEIC)."
    if size > MAX_PHOTO_BYTES:
        return too_big_message(size)
    return ""


def check_photo(name: str, data: bytes) -> PhotoOutcome:
    """Decide whether ``data`` may be stored as a photograph; on success the value lacks only the hash."""
    message = check_size(len(data))
    if message:
        return PhotoOutcome(message=message)
    media_type = sniff(data)
    if media_type is None:
        return PhotoOutcome(message="That file is not a photograph. Choose a JPEG, PNG or HEIC image.")
    return PhotoOutcome(value={"name": safe_name(name), "media_type": media_type, "size": len(data)})


def photo_value(sha256: str, name: str, media_type: str, size: int) -> dict[str, Any]:
    """The field's value, checked against the forms engine's own model for the kind."""
    value = {"sha256": sha256, "name": safe_name(name), "media_type": media_type, "size": size}
    AttachmentRef.model_validate(value)
    return value


def read_value(raw: object) -> dict[str, Any] | None:
    """The stored answer as a value, or None when the field is empty or holds something else."""
    if not isinstance(raw, dict):
        return None
    try:
        AttachmentRef.model_validate(raw)
    except ValidationError:
        return None
    return dict(raw)


def describe(value: dict[str, Any]) -> str:
    """What the field shows under the photograph: its name and size."""
    return f"{value['name']} · {human_size(int(value['size']))}"


@dataclass
class PhotoField:
    """One attachment field of a form being filled in: add (or replace) and remove, with a message when refused.

    A refused or cancelled pick changes nothing (answers, draft, vault). Every change goes through the session, so
    the draft is saved at once like any other field. A photograph replaced or removed before it was sent is deleted
    from the vault (unless another answer still names it), so it never reaches the hub.
    """

    session: FormSession
    path: str
    message: str = ""

    @property
    def value(self) -> dict[str, Any] | None:
        return read_value(self.session.get(self.path))

    def add(self, picked: PickedFile | None) -> bool:
        """Store the picked file and make it the field's value; False (and a message unless cancelled) if not."""
        if picked is None:  # the user closed the picker
            return False
        if picked.error:
            self.message = picked.error
            return False
        outcome = self.session.services.add_photo(self.session.case_id, picked)
        if outcome.value is None:
            self.message = outcome.message
            return False
        old = self.value
        self.session.set(self.path, outcome.value)
        self.message = ""
        if old is not None and old["sha256"] != outcome.value["sha256"]:
            self.session.services.discard_photo(str(old["sha256"]))
        return True

    def remove(self) -> None:
        old = self.value
        self.session.set(self.path, None)
        self.message = ""
        if old is not None:
            self.session.services.discard_photo(str(old["sha256"]))

    def preview(self) -> bytes | None:
        """The bytes to draw as a preview (JPEG and PNG), or None."""
        value = self.value
        if value is None or value["media_type"] not in PREVIEWABLE:
            return None
        return self.session.services.photo_data(str(value["sha256"]))
