import io
import struct
import zlib

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.models import University


class UniversityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = University

    name = factory.Sequence(lambda n: f"University {n}")
    country = "Uzbekistan"
    city = "Tashkent"
    website = factory.Sequence(lambda n: f"https://uni{n}.example.edu")
    global_rank = factory.Sequence(lambda n: n + 1)


def png_of_size(width: int, height: int) -> bytes:
    """A valid one-colour, 1-bit greyscale PNG of any pixel size, a few kilobytes even at
    12,000 x 12,000 (a "decompression bomb": tiny file, huge image), built without Pillow."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte "none", then the row's bits (all black)
    compressor = zlib.compressobj(9)
    pixels = b"".join(compressor.compress(row * 500) for _ in range(height // 500))
    pixels += compressor.compress(row * (height % 500)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def image_bytes(size: tuple[int, int] = (8, 8), color: tuple[int, int, int] = (200, 30, 30), fmt: str = "PNG") -> bytes:
    """A small real one-colour image drawn with Pillow, PNG unless ``fmt`` names another format."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def image_upload(name: str = "image.png", content: bytes | None = None, content_type: str = "image/png"):
    """An uploaded file for a multipart body: ``content`` (by default ``image_bytes()``) under ``name``."""
    return SimpleUploadedFile(name, image_bytes() if content is None else content, content_type=content_type)
