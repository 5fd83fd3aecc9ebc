"""Small, real image files made in memory for tests (no fixtures on disk, no image library needed)."""

from __future__ import annotations

import struct
import zlib


def png(width: int = 8, height: int = 8, rgb: tuple[int, int, int] = (200, 30, 30), pad: bytes = b"") -> bytes:
    """A valid PNG of one colour; ``pad`` is appended after IEND (decoders ignore it) to reach a given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"") + pad
    )


def jpeg_head() -> bytes:
    """The start of a JFIF file (SOI, APP0): enough for type detection."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    """The start of an ISO base media file (HEIC, HEIF, AVIF): its ``ftyp`` box and some padding."""
    body = b"ftyp" + major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return struct.pack(">I", len(body) + 4) + body + b"\x00" * 64
