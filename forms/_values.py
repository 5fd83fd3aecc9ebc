"""The values of the structured answers: a body map (its marks, or the first body map's single point), an attachment
reference, a signature. The checkers (forms/_checkers.py) turn raw JSON answers into these; FHIR export, summaries
and the app read them."""

from __future__ import annotations

from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from forms import _body_regions as body

BODY_REGIONS: Final = (
    "head",
    "face",
    "ear_left",
    "ear_right",
    "neck",
    "chest",
    "abdomen",
    "upper_back",
    "lower_back",
    "buttocks",
    "genitals",
    "arm_left",
    "arm_right",
    "hand_left",
    "hand_right",
    "leg_left",
    "leg_right",
    "foot_left",
    "foot_right",
)


class _Value(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class BodyMapPosition(_Value):
    """Where on the body map: the view, and a point (x, y from the top left, 0..1) or a named region, or both."""

    view: Literal["front", "back"]
    x: Annotated[float, Field(ge=0, le=1)] | None = None
    y: Annotated[float, Field(ge=0, le=1)] | None = None
    region: Literal[BODY_REGIONS] | None = None  # type: ignore[valid-type]


MARK_SHAPES: Final[dict[str, str]] = {
    "round": "Round",
    "oval": "Oval",
    "linear": "A line",
    "curved": "Curved or a loop",
    "irregular": "Irregular",
    "patterned": "With a pattern (fingertips, hand, object)",
}
MARK_SIZE_MAX_CM: Final = 100
MARKS_MAX: Final = 20


class BodyMark(_Value):
    """One mark of an injury: which figure and side, the point (0..1 from the top left), the region it lies in
    (named from the point by ``forms._body_regions``), and optionally its size in cm and its shape."""

    figure: Literal[body.FIGURES]  # type: ignore[valid-type]
    view: Literal["front", "back"]
    x: Annotated[float, Field(ge=0, le=1)]
    y: Annotated[float, Field(ge=0, le=1)]
    region: str
    size_cm: Annotated[float, Field(gt=0, le=MARK_SIZE_MAX_CM)] | None = None
    shape: Literal[tuple(MARK_SHAPES)] | None = None  # type: ignore[valid-type]


class BodyMap(_Value):
    """A body map answer with one or more marks (the shape since the second body map; ``BodyMapPosition`` is the
    first one's single point, still valid)."""

    marks: tuple[BodyMark, ...]


class AttachmentRef(_Value):
    """A content-addressed file (photo, scanned letter): sent in chunks by sync, named here by its SHA-256."""

    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    name: Annotated[str, Field(min_length=1, max_length=255)]
    media_type: Annotated[str, Field(pattern=r"^[a-z]+/[a-z0-9.+-]+$", max_length=100)]
    size: Annotated[int, Field(ge=0, le=50 * 1024 * 1024)]


class Signature(_Value):
    """An attestation: who signed, when (device clock), and that they agree to the field's statement."""

    signed_by: Annotated[str, Field(min_length=1, max_length=200)]
    signed_at: Annotated[str, Field(max_length=40)]
    attested: Literal[True]
