"""The demo's sample clip is a well-formed MP4 with an H.264 stream a browser plays.

The structure is read back here with an independent little reader (boxes, sample table, NAL
units, Exp-Golomb slice syntax) and the pictures are rebuilt from it; when PyAV (FFmpeg) is
installed the clip is also decoded by FFmpeg's own H.264 decoder, which is what a browser's
media stack does.
"""

from __future__ import annotations

import struct

import pytest

from demo import sample_video as sv

CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"dinf"}


def boxes(data: bytes, start: int = 0, end: int | None = None) -> list[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of the boxes in data[start:end], recursing into containers."""
    found, position, end = [], start, len(data) if end is None else end
    while position < end:
        size, kind = struct.unpack(">I4s", data[position : position + 8])
        assert size >= 8 and position + size <= end, f"box {kind!r} at {position} overruns its parent"
        found.append((kind, position + 8, position + size))
        if kind in CONTAINERS:
            found += boxes(data, position + 8, position + size)
        position += size
    assert position == end, "the boxes fill their parent exactly"
    return found


class BitReader:
    def __init__(self, rbsp: bytes) -> None:
        self.bits = "".join(format(b, "08b") for b in rbsp)
        self.position = 0

    def u(self, n: int) -> int:
        value = int(self.bits[self.position : self.position + n] or "0", 2)
        self.position += n
        return value

    def ue(self) -> int:
        zeros = 0
        while self.bits[self.position] == "0":
            zeros += 1
            self.position += 1
        return self.u(zeros + 1) - 1

    def se(self) -> int:
        k = self.ue()
        return (k + 1) // 2 if k % 2 else -(k // 2)

    def more_rbsp_data(self) -> bool:
        return "1" in self.bits[self.position + 1 :] or self.bits[self.position] == "0"

    def trailing(self) -> str:
        return self.bits[self.position :]


def unescape(nal: bytes) -> bytes:
    """Remove emulation prevention bytes, checking no start-code prefix hides in the unit."""
    assert b"\x00\x00\x00" not in nal and b"\x00\x00\x01" not in nal and b"\x00\x00\x02" not in nal
    return nal.replace(b"\x00\x00\x03", b"\x00\x00")


@pytest.fixture(scope="module")
def clip() -> bytes:
    return sv.sample_video()


def test_the_clip_is_small_and_an_mp4(clip):
    assert len(clip) < 200_000, f"{len(clip)} bytes"
    kinds = [kind for kind, _, _ in boxes(clip)]
    top = [kind for kind, _, _ in boxes(clip) if kind in (b"ftyp", b"moov", b"mdat")]
    assert top == [b"ftyp", b"moov", b"mdat"], "moov before mdat: playback starts from the first bytes"
    for needed in (b"mvhd", b"tkhd", b"mdhd", b"hdlr", b"stsd", b"stts", b"stss", b"stsc", b"stsz", b"stco"):
        assert needed in kinds, f"missing {needed!r}"
    assert clip[8:12] == b"isom"
    assert sv.sample_video() is clip, "computed once per process"


def test_the_sample_table_describes_the_stream(clip):
    found = {kind: (start, end) for kind, start, end in boxes(clip)}
    start, end = found[b"stsz"]
    _, uniform, count = struct.unpack(">III", clip[start : start + 12])
    sizes = struct.unpack(f">{count}I", clip[start + 12 : end])
    assert (uniform, count) == (0, sv.FRAMES)
    offset = struct.unpack(">I", clip[found[b"stco"][0] + 8 : found[b"stco"][0] + 12])[0]
    mdat_start, mdat_end = found[b"mdat"]
    assert offset == mdat_start and sum(sizes) == mdat_end - mdat_start, "the one chunk is the whole mdat"
    _, entries, samples, delta = struct.unpack(">IIII", clip[found[b"stts"][0] : found[b"stts"][0] + 16])
    assert (entries, samples, delta * sv.FPS) == (1, sv.FRAMES, sv.TIMESCALE)
    timescale, duration = struct.unpack(">II", clip[found[b"mdhd"][0] + 12 : found[b"mdhd"][0] + 20])
    assert duration / timescale == sv.SECONDS
    assert clip[found[b"hdlr"][0] + 8 : found[b"hdlr"][0] + 12] == b"vide"


def nal_units(clip: bytes) -> list[bytes]:
    found = {kind: (start, end) for kind, start, end in boxes(clip)}
    position, end, units = found[b"mdat"][0], found[b"mdat"][1], []
    while position < end:
        (length,) = struct.unpack(">I", clip[position : position + 4])
        units.append(clip[position + 4 : position + 4 + length])
        position += 4 + length
    assert position == end
    return units


def avcc_parameter_sets(clip: bytes) -> tuple[bytes, bytes]:
    start = clip.index(b"avcC") + 4
    assert clip[start : start + 4] == bytes([1, 66, 0xC0, sv.LEVEL_IDC]), "version, Constrained Baseline, level"
    assert clip[start + 4] & 0b11 == 3 and clip[start + 5] & 0b11111 == 1, "4-byte lengths, one SPS"
    sps_length = struct.unpack(">H", clip[start + 6 : start + 8])[0]
    sps = clip[start + 8 : start + 8 + sps_length]
    position = start + 8 + sps_length
    assert clip[position] == 1
    pps_length = struct.unpack(">H", clip[position + 1 : position + 3])[0]
    return sps, clip[position + 3 : position + 3 + pps_length]


def test_the_parameter_sets(clip):
    sps, pps = avcc_parameter_sets(clip)
    assert sps[0] == 0x67 and pps[0] == 0x68, "SPS and PPS NAL unit headers"
    r = BitReader(unescape(sps[1:]))
    assert (r.u(8), r.u(8), r.u(8)) == (66, 0xC0, sv.LEVEL_IDC)
    assert r.ue() == 0
    assert r.ue() + 4 == sv.LOG2_MAX_FRAME_NUM
    assert (r.ue(), r.ue(), r.u(1)) == (2, 1, 0)  # POC type, reference frames, no gaps
    width, height = (r.ue() + 1) * 16, (r.ue() + 1) * 16
    assert (width, height) == (sv.WIDTH, sv.HEIGHT)
    assert (r.u(1), r.u(1), r.u(1), r.u(1)) == (1, 1, 0, 0)
    assert r.trailing().startswith("1") and set(r.trailing()[1:]) <= {"0"}


def test_the_slices_rebuild_the_pictures(clip):
    """Parse every slice as a decoder would (I_PCM and P_Skip) and rebuild the last picture: its
    progress bar is full, and every slice ends exactly on its trailing bits."""
    units = nal_units(clip)
    assert len(units) == sv.FRAMES
    mbs = sv.MB_COLS * sv.MB_ROWS
    picture: list[bytes | None] = [None] * mbs
    for frame, unit in enumerate(units):
        assert unit[0] == (0x65 if frame == 0 else 0x61), f"frame {frame}: IDR first, then reference P slices"
        r = BitReader(unescape(unit[1:]))
        assert r.ue() == 0 and r.ue() == (7 if frame == 0 else 5) and r.ue() == 0
        assert r.u(sv.LOG2_MAX_FRAME_NUM) == frame
        if frame == 0:
            assert r.ue() == 0 and (r.u(1), r.u(1)) == (0, 0)
        else:
            assert (r.u(1), r.u(1), r.u(1)) == (0, 0, 0)
        assert (r.se(), r.ue()) == (0, 1)
        address = 0
        while True:
            if frame:
                address += r.ue()  # mb_skip_run: copy from the previous picture
                if address >= mbs or not r.more_rbsp_data():
                    break
            assert r.ue() == (25 if frame == 0 else 30), "I_PCM"
            r.position += -r.position % 8
            start = r.position // 8
            picture[address] = bytes(int(r.bits[i : i + 8], 2) for i in range(r.position, r.position + 384 * 8, 8))
            assert 0 not in picture[address] and start
            r.position += 384 * 8
            address += 1
            if not r.more_rbsp_data():
                break
        assert address == mbs, f"frame {frame}: the slice covers {address} of {mbs} macroblocks"
        assert r.trailing().startswith("1") and set(r.trailing()[1:]) <= {"0"}
    last = list(sv.pictures())[-1]
    assert picture == [last.macroblock(a) for a in range(mbs)], "the stream rebuilds the last picture"
    bar_row = sv.BAR_TOP + 1
    assert all(last.y[bar_row * sv.WIDTH + x] == sv.FILL[0] for x in range(sv.WIDTH)), "the bar ends full"


def test_ffmpeg_decodes_every_frame(clip, tmp_path):
    import av  # PyAV: FFmpeg's own decoder, a dev dependency

    path = tmp_path / "sample.mp4"
    path.write_bytes(clip)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.width, stream.height) == ("h264", sv.WIDTH, sv.HEIGHT)
        frames = list(container.decode(stream))
    assert len(frames) == sv.FRAMES
    assert float(frames[-1].pts * stream.time_base) == pytest.approx(sv.SECONDS - 1 / sv.FPS)
