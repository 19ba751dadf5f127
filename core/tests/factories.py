import struct
import zlib

import factory

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
