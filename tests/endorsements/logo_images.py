"""Images for the logo tests: made in memory, some of them hostile."""

import io
import os
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def image_bytes(image_format="PNG", size=(120, 80), mode="RGB", color=(20, 120, 200), **save):
    image = Image.new(mode, size, color)
    out = io.BytesIO()
    image.save(out, format=image_format, **save)
    return out.getvalue()


def upload(data: bytes, name="logo.png", content_type="image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares `width` × `height` pixels (a decompression bomb's
    disguise): one row of real data, valid chunks and checksums."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + b"\x00\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", pixels)
        + png_chunk(b"IEND", b"")
    )


def png_with_text(text: bytes) -> bytes:
    """A valid PNG carrying `text` in a tEXt chunk, before its end."""
    data = image_bytes()
    return data[:-12] + png_chunk(b"tEXt", b"Comment\x00" + text) + data[-12:]


def noise(size=(400, 400)) -> bytes:
    """An image no encoder can make small: the worst case for the list's weight."""
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def stored_image(field) -> Image.Image:
    with field.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        image.load()
        return image


def media_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def logo_files(settings) -> list:
    return [p for p in media_files(settings) if "logos" in p.parts]
