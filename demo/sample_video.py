"""A short sample video for the demo lessons, written in pure Python: MP4 (ISO BMFF) with H.264.

Browsers play H.264 in MP4 everywhere, and H.264 can carry pictures without any compression
at all: an ``I_PCM`` macroblock is a mode byte followed by its raw samples. So the clip needs no
encoder, no external tool and no shipped file:

- the first picture (an IDR access unit) is the whole frame as ``I_PCM`` macroblocks: a gradient
  with a play symbol;
- every later picture is a P slice whose macroblocks are all ``P_Skip`` (copy the previous
  picture: every predicted motion vector is zero) except the few where a progress bar moves on,
  sent as ``I_PCM`` again.

Constrained Baseline profile, CAVLC, 4:2:0, 8 bits, one slice per picture, POC type 2 (output in
decoding order), deblocking off. The container puts ``moov`` before ``mdat`` (playback can start
from the first bytes). ISO/IEC 14496-10 (H.264) and 14496-12/-15 (MP4, ``avcC``) are the
references; ``demo/tests/test_sample_video.py`` checks the structure, and decodes the clip when
PyAV happens to be installed.
"""

from __future__ import annotations

import functools
import struct

WIDTH, HEIGHT = 256, 144  # 16 by 9 macroblocks: no cropping needed
FPS = 10
SECONDS = 8
FRAMES = FPS * SECONDS
CONTENT_TYPE = "video/mp4"
TIMESCALE = 1000
LOG2_MAX_FRAME_NUM = 8  # frame_num counts 0…255; the clip has FRAMES (< 256) pictures
PROFILE_IDC, CONSTRAINT_FLAGS, LEVEL_IDC = 66, 0xC0, 40  # Constrained Baseline, level 4.0
MB_COLS, MB_ROWS = WIDTH // 16, HEIGHT // 16
I_PCM_IN_I_SLICE, I_PCM_IN_P_SLICE = 25, 30  # mb_type values (Tables 7-11 and 7-13)


# --- Bits -----------------------------------------------------------------------------------------


class BitWriter:
    def __init__(self) -> None:
        self.bits: list[str] = []

    def u(self, bits: int, value: int) -> None:
        self.bits.append(format(value, f"0{bits}b") if bits else "")

    def ue(self, value: int) -> None:  # Exp-Golomb, unsigned
        code = format(value + 1, "b")
        self.bits.append("0" * (len(code) - 1) + code)

    def se(self, value: int) -> None:  # Exp-Golomb, signed
        self.ue(2 * value - 1 if value > 0 else -2 * value)

    def align_zero(self) -> None:
        self.bits.append("0" * (-self.length % 8))

    def raw(self, data: bytes) -> None:
        assert self.length % 8 == 0
        self.bits.append("".join(format(byte, "08b") for byte in data))

    @property
    def length(self) -> int:
        return sum(len(b) for b in self.bits)

    def rbsp(self) -> bytes:
        """The bits with ``rbsp_trailing_bits`` (a stop bit, then zeros up to a byte)."""
        self.u(1, 1)
        self.align_zero()
        text = "".join(self.bits)
        return int(text, 2).to_bytes(len(text) // 8, "big")


def nal_unit(nal_ref_idc: int, nal_unit_type: int, rbsp: bytes) -> bytes:
    """Header byte plus the payload with emulation prevention (no 00 00 0x inside a NAL unit)."""
    out, zeros = bytearray([nal_ref_idc << 5 | nal_unit_type]), 0
    for byte in rbsp:
        if zeros >= 2 and byte <= 3:
            out.append(3)
            zeros = 0
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


# --- Parameter sets and slices ----------------------------------------------------------------------


def sps() -> bytes:
    w = BitWriter()
    w.u(8, PROFILE_IDC)
    w.u(8, CONSTRAINT_FLAGS)
    w.u(8, LEVEL_IDC)
    w.ue(0)  # seq_parameter_set_id
    w.ue(LOG2_MAX_FRAME_NUM - 4)
    w.ue(2)  # pic_order_cnt_type: POC follows frame_num, no reordering
    w.ue(1)  # max_num_ref_frames
    w.u(1, 0)  # gaps_in_frame_num_value_allowed_flag
    w.ue(MB_COLS - 1)
    w.ue(MB_ROWS - 1)
    w.u(1, 1)  # frame_mbs_only_flag
    w.u(1, 1)  # direct_8x8_inference_flag
    w.u(1, 0)  # frame_cropping_flag
    w.u(1, 0)  # vui_parameters_present_flag
    return nal_unit(3, 7, w.rbsp())


def pps() -> bytes:
    w = BitWriter()
    w.ue(0)  # pic_parameter_set_id
    w.ue(0)  # seq_parameter_set_id
    w.u(1, 0)  # entropy_coding_mode_flag: CAVLC
    w.u(1, 0)  # bottom_field_pic_order_in_frame_present_flag
    w.ue(0)  # num_slice_groups_minus1
    w.ue(0)  # num_ref_idx_l0_default_active_minus1
    w.ue(0)  # num_ref_idx_l1_default_active_minus1
    w.u(1, 0)  # weighted_pred_flag
    w.u(2, 0)  # weighted_bipred_idc
    w.se(0)  # pic_init_qp_minus26
    w.se(0)  # pic_init_qs_minus26
    w.se(0)  # chroma_qp_index_offset
    w.u(1, 1)  # deblocking_filter_control_present_flag (the slices turn it off)
    w.u(1, 0)  # constrained_intra_pred_flag
    w.u(1, 0)  # redundant_pic_cnt_present_flag
    return nal_unit(3, 8, w.rbsp())


def slice_nal(frame_num: int, macroblocks: dict[int, bytes]) -> bytes:
    """One picture: the IDR (``frame_num`` 0, every macroblock given) or a P picture whose
    macroblocks not in ``macroblocks`` are skipped. Values are the 384 raw samples of an I_PCM
    macroblock, keyed by macroblock address."""
    idr = frame_num == 0
    w = BitWriter()
    w.ue(0)  # first_mb_in_slice
    w.ue(7 if idr else 5)  # slice_type: I (all slices), P (all slices)
    w.ue(0)  # pic_parameter_set_id
    w.u(LOG2_MAX_FRAME_NUM, frame_num)
    if idr:
        w.ue(0)  # idr_pic_id
    else:
        w.u(1, 0)  # num_ref_idx_active_override_flag
        w.u(1, 0)  # ref_pic_list_modification_flag_l0
    if idr:  # dec_ref_pic_marking()
        w.u(1, 0)  # no_output_of_prior_pics_flag
        w.u(1, 0)  # long_term_reference_flag
    else:
        w.u(1, 0)  # adaptive_ref_pic_marking_mode_flag: sliding window
    w.se(0)  # slice_qp_delta
    w.ue(1)  # disable_deblocking_filter_idc: off
    skipped = 0
    for address in range(MB_COLS * MB_ROWS):
        samples = macroblocks.get(address)
        if samples is None:
            assert not idr, "the IDR picture codes every macroblock"
            skipped += 1
            continue
        if not idr:
            w.ue(skipped)  # mb_skip_run before this macroblock
            skipped = 0
        w.ue(I_PCM_IN_I_SLICE if idr else I_PCM_IN_P_SLICE)
        w.align_zero()  # pcm_alignment_zero_bit
        w.raw(samples)
    if skipped:
        w.ue(skipped)
    return nal_unit(3, 5 if idr else 1, w.rbsp())


# --- Pictures --------------------------------------------------------------------------------------


def yuv(r: int, g: int, b: int) -> tuple[int, int, int]:
    """BT.601 limited range; no sample is 0 (I_PCM samples avoid it by tradition)."""
    y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255
    u = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255
    v = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255
    return tuple(max(1, min(255, round(c))) for c in (y, u, v))


BAR_TOP, BAR_BOTTOM = HEIGHT - 12, HEIGHT - 6  # the progress bar's rows
TRACK, FILL = yuv(40, 52, 70), yuv(255, 170, 40)


def background(x: int, y: int) -> tuple[int, int, int]:
    cx, cy, radius = WIDTH / 2, (HEIGHT - 16) / 2, 34
    dx, dy = x + 0.5 - cx, y + 0.5 - cy
    if dx * dx + dy * dy <= radius * radius:
        # A play symbol: a triangle pointing right, cut out of a light disc.
        inside = -12 <= dx <= 16 and abs(dy) <= (16 - dx) * 18 / 28
        return yuv(20, 90, 140) if inside else yuv(240, 244, 248)
    t = (x / WIDTH + y / HEIGHT) / 2
    return yuv(round(16 + 20 * t), round(60 + 80 * t), round(110 + 60 * t))


class Picture:
    """The three planes of one 4:2:0 picture."""

    def __init__(self) -> None:
        self.y = bytearray(WIDTH * HEIGHT)
        self.u = bytearray(WIDTH * HEIGHT // 4)
        self.v = bytearray(WIDTH * HEIGHT // 4)

    def copy(self) -> Picture:
        other = Picture()
        other.y, other.u, other.v = bytearray(self.y), bytearray(self.u), bytearray(self.v)
        return other

    def paint(self, x: int, y: int, colour: tuple[int, int, int]) -> None:
        self.y[y * WIDTH + x] = colour[0]
        if x % 2 == 0 and y % 2 == 0:
            index = (y // 2) * (WIDTH // 2) + x // 2
            self.u[index], self.v[index] = colour[1], colour[2]

    def macroblock(self, address: int) -> bytes:
        """Its 256 luma then 64 Cb and 64 Cr samples, each in raster order (I_PCM's layout)."""
        col, row = address % MB_COLS, address // MB_COLS
        out = bytearray()
        for line in range(row * 16, row * 16 + 16):
            out += self.y[line * WIDTH + col * 16 : line * WIDTH + col * 16 + 16]
        for plane in (self.u, self.v):
            for line in range(row * 8, row * 8 + 8):
                out += plane[line * (WIDTH // 2) + col * 8 : line * (WIDTH // 2) + col * 8 + 8]
        return bytes(out)


def pictures():
    """The clip's pictures: the background with a progress bar that fills up over the clip."""
    picture = Picture()
    for y in range(HEIGHT):
        for x in range(WIDTH):
            picture.paint(x, y, TRACK if BAR_TOP <= y < BAR_BOTTOM else background(x, y))
    filled = 0
    for frame in range(FRAMES):
        target = round(WIDTH * (frame + 1) / FRAMES)
        for x in range(filled, target):
            for y in range(BAR_TOP, BAR_BOTTOM):
                picture.paint(x, y, FILL)
        filled = target
        yield picture
        picture = picture.copy()


def access_units() -> list[bytes]:
    """The coded pictures, each an MP4 sample: its NAL units with 4-byte length prefixes."""
    samples, previous = [], None
    for frame, picture in enumerate(pictures()):
        blocks = [picture.macroblock(address) for address in range(MB_COLS * MB_ROWS)]
        changed = {a: b for a, b in enumerate(blocks) if previous is None or b != previous[a]}
        nal = slice_nal(frame, changed)
        samples.append(struct.pack(">I", len(nal)) + nal)
        previous = blocks
    return samples


# --- The MP4 container --------------------------------------------------------------------------------


def box(kind: bytes, *payload: bytes) -> bytes:
    body = b"".join(payload)
    return struct.pack(">I", 8 + len(body)) + kind + body


def full_box(kind: bytes, version: int, flags: int, *payload: bytes) -> bytes:
    return box(kind, struct.pack(">I", version << 24 | flags), *payload)


MATRIX = struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)


def moov(sizes: list[int], mdat_offset: int, sps_nal: bytes, pps_nal: bytes) -> bytes:
    delta = TIMESCALE // FPS
    duration = delta * len(sizes)
    mvhd = full_box(
        b"mvhd", 0, 0, struct.pack(">IIIIIH10x", 0, 0, TIMESCALE, duration, 0x00010000, 0x0100), MATRIX, bytes(24),
        struct.pack(">I", 2),
    )  # fmt: skip
    tkhd = full_box(
        b"tkhd", 0, 3, struct.pack(">IIII4xI8xHHH2x", 0, 0, 1, 0, duration, 0, 0, 0), MATRIX,
        struct.pack(">II", WIDTH << 16, HEIGHT << 16),
    )  # fmt: skip
    mdhd = full_box(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, TIMESCALE, duration, 0x55C4, 0))  # language "und"
    hdlr = full_box(b"hdlr", 0, 0, struct.pack(">I4s12x", 0, b"vide"), b"VideoHandler\0")
    avcc = box(
        b"avcC",
        bytes([1, PROFILE_IDC, CONSTRAINT_FLAGS, LEVEL_IDC, 0xFF, 0xE1]),  # 4-byte lengths, one SPS
        struct.pack(">H", len(sps_nal)), sps_nal, bytes([1]), struct.pack(">H", len(pps_nal)), pps_nal,
    )  # fmt: skip
    compressor = b"11Tutors sample"
    avc1 = box(
        b"avc1", bytes(6), struct.pack(">H", 1), bytes(16),
        struct.pack(">HHIIIH", WIDTH, HEIGHT, 0x00480000, 0x00480000, 0, 1),
        bytes([len(compressor)]) + compressor.ljust(31, b"\0"), struct.pack(">Hh", 0x0018, -1), avcc,
    )  # fmt: skip
    stbl = box(
        b"stbl",
        full_box(b"stsd", 0, 0, struct.pack(">I", 1), avc1),
        full_box(b"stts", 0, 0, struct.pack(">III", 1, len(sizes), delta)),
        full_box(b"stss", 0, 0, struct.pack(">II", 1, 1)),  # the IDR picture is the only sync sample
        full_box(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, len(sizes), 1)),  # one chunk
        full_box(b"stsz", 0, 0, struct.pack(">II", 0, len(sizes)), struct.pack(f">{len(sizes)}I", *sizes)),
        full_box(b"stco", 0, 0, struct.pack(">II", 1, mdat_offset)),
    )
    dinf = box(b"dinf", full_box(b"dref", 0, 0, struct.pack(">I", 1), full_box(b"url ", 0, 1)))
    minf = box(b"minf", full_box(b"vmhd", 0, 1, bytes(8)), dinf, stbl)
    return box(b"moov", mvhd, box(b"trak", tkhd, box(b"mdia", mdhd, hdlr, minf)))


@functools.cache
def sample_video() -> bytes:
    """The clip (about 90 KB, ``FRAMES`` pictures of ``WIDTH`` by ``HEIGHT`` at ``FPS``)."""
    samples = access_units()
    sps_nal, pps_nal = sps(), pps()
    sizes = [len(sample) for sample in samples]
    ftyp = box(b"ftyp", b"isom", struct.pack(">I", 0x200), b"isomiso2avc1mp41")
    header_size = len(ftyp) + len(moov(sizes, 0, sps_nal, pps_nal)) + 8
    return ftyp + moov(sizes, header_size, sps_nal, pps_nal) + box(b"mdat", *samples)
