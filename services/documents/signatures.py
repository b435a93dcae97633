"""REG-7: a signer's scanned signature box becomes the transparent PNG printed in box 9.

The signature registration form has one box per signer; the signer signs in black ink,
centred, inside the printed frame, and a signature touching or crossing the frame is
refused (REG-7). Chamber staff scan the box (PNG or JPEG, 150-600 dpi, maybe turned by
up to 2 degrees, grey or colour, JPEG noise) and this module:

1. reads the bytes (`load_grey`), refusing what is unreadable or too large;
2. measures the paper and separates ink and print from it (`paper_levels`, `binarise`);
3. finds the printed frame (`find_frame`): its four sides are long straight lines; a side
   that is not in the scan (the staff cropped inside the frame) is the image border;
4. keeps the ink inside the frame (`ink_inside`), refusing a box that is empty or whose
   ink touches or crosses the frame;
5. cuts the ink out with a small margin (`crop`) and makes the paper transparent
   (`to_transparent`), alpha following the darkness so anti-aliased edges stay smooth.

Pure functions over Pillow and numpy: no Nameko, no database, so the rule is tested on
generated images and the service only stores what comes out.
"""
from __future__ import annotations

import io
import itertools
import math
import struct
import zlib
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from services.documents.exceptions import SignatureRejected
from services.documents.interfaces import MAX_SIGNATURE_SCAN_BYTES

MAX_BYTES = MAX_SIGNATURE_SCAN_BYTES  # documents' contract states it
MAX_PIXELS = 20_000_000
FORMATS = ("PNG", "JPEG")  # what scanners give; no other Pillow plugin sees upload bytes

# A box scan without a usable dpi tag is taken as 127 mm (5 in) across its long side,
# the width of the form's signature box; the estimate is kept within 150-600 dpi.
ASSUMED_BOX_MM = 127.0
MIN_DPI, MAX_DPI = 150.0, 600.0
MAX_TILT_DEG = 2.5  # REG-7 scans are turned by at most 2 degrees; a little slack
MIN_LINE_SHARE = 0.3  # a frame side runs across at least 30 % of the scan


def _reject(code: str, message: str) -> SignatureRejected:
    return SignatureRejected(code=code, message=message, fields={"signature": [code]})


@dataclass(frozen=True)
class SignatureImage:
    """The digitised signature: a PNG (RGBA, black ink on transparency) and its size."""

    png: bytes
    width: int
    height: int
    dpi: int


@dataclass(frozen=True)
class Scale:
    """Lengths in pixels for this scan's resolution, so 150 and 600 dpi are judged alike."""

    px_per_mm: float

    @property
    def dpi(self) -> int:
        return round(self.px_per_mm * 25.4)

    @property
    def tolerance(self) -> float:
        # How far the printed line's own edge may stray from its fitted centre line
        # (rasterising, a turned scan, blur) before a dark pixel counts as not the frame.
        return max(1.0, 0.08 * self.px_per_mm)

    @property
    def speck_area(self) -> float:
        # Dust and JPEG blotches are smaller than a 0.3 mm square; a pen dot is not.
        return max(5.0, (0.3 * self.px_per_mm) ** 2)

    @property
    def touch_area(self) -> float:
        # Ink reaching the frame: a bump of a 0.2 mm square is already a dot on the line
        # (REG-7: a dot on the frame line counts as touching); less is the line's roughness.
        return max(3.0, (0.2 * self.px_per_mm) ** 2)

    @property
    def signature_area(self) -> float:
        # Less ink than a 1 mm square is not a signature: the box counts as empty.
        return (1.0 * self.px_per_mm) ** 2

    @property
    def dot_reach(self) -> float:
        # A blob outside the frame, touching the line and ending within 1.5 mm of it, is a
        # dot on the line; what reaches further is print (a table's lines) or a stroke.
        return 1.5 * self.px_per_mm

    @property
    def dot_size(self) -> float:
        # A dot is at least 0.3 mm across both ways; a thin sliver is a broken printed line.
        return max(2.0, 0.3 * self.px_per_mm)

    @property
    def stray_distance(self) -> float:
        # Small marks further than 10 mm from every stroke are dust, not an i-dot.
        return 10.0 * self.px_per_mm

    @property
    def margin(self) -> int:
        return max(2, round(1.0 * self.px_per_mm))

    @property
    def halo(self) -> int:
        # Anti-aliased edges lie within this distance of the binarised ink.
        return max(1, round(0.15 * self.px_per_mm))

    @property
    def max_line(self) -> float:
        # Printed frames are 1-4 px at 300 dpi; a thicker band is ink, not a frame.
        return max(6.0, 0.8 * self.px_per_mm)

    @property
    def line_gap(self) -> int:
        # Gaps a scan may leave in a printed line without breaking it.
        return max(2, round(0.3 * self.px_per_mm))


@dataclass(frozen=True)
class Paper:
    """The paper's grey level and noise, and the greys at or below which a pixel is ink,
    or printed (frame)."""

    background: int
    noise: float
    ink_threshold: int
    print_threshold: int


@dataclass(frozen=True)
class Side:
    """One side of the frame: centre line `across = offset + slope * along`, half thickness.

    For the top and bottom sides `along` is x and `across` is y; for left and right the
    other way round. `detected` is False for a side taken as the image border."""

    offset: float
    slope: float
    half: float
    detected: bool = True

    def at(self, along: np.ndarray) -> np.ndarray:
        return self.offset + self.slope * along


@dataclass(frozen=True)
class Frame:
    """The box's frame: its four sides, each found in the scan or the image border."""

    top: Side
    bottom: Side
    left: Side
    right: Side

    @property
    def found(self) -> bool:
        return any(s.detected for s in (self.top, self.bottom, self.left, self.right))

    @classmethod
    def image_border(cls, height: int, width: int) -> Frame:
        return cls(_border(-1), _border(height), _border(-1), _border(width))

    def distances(self, ys: np.ndarray, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Signed distance in px from each point to each side's centre line (4 x n),
        positive towards the inside of the box, and the sides' half thicknesses (4 x 1)."""
        ys, xs = ys.astype(np.float64).ravel(), xs.astype(np.float64).ravel()
        centre = np.stack((ys - self.top.at(xs), self.bottom.at(xs) - ys,
                           xs - self.left.at(ys), self.right.at(ys) - xs))
        half = np.array([[s.half] for s in (self.top, self.bottom, self.left, self.right)])
        return centre, half

    def inside(self, ys: np.ndarray, xs: np.ndarray, tolerance: float) -> np.ndarray:
        """Is each point inside the box, clear of the line by more than `tolerance`?"""
        centre, half = self.distances(ys, xs)
        return ((centre - half).min(axis=0) > tolerance).reshape(np.shape(ys))


def _border(position: float) -> Side:
    # The image border as a zero-thick line just outside the pixels: with the tolerance
    # band the outermost pixel row or column is "on the frame" (REG-7 for pre-cropped scans).
    return Side(float(position), 0.0, 0.0, detected=False)


@dataclass(frozen=True)
class Ink:
    """The ink kept inside the frame: a boolean mask over `box` (x0, y0, x1, y1)."""

    mask: np.ndarray
    box: tuple[int, int, int, int]
    area: int


# --- reading ---------------------------------------------------------------------------

def load_grey(data: bytes) -> tuple[np.ndarray, Scale]:
    """Decode PNG/JPEG bytes into an 8-bit grey array and the scan's scale."""
    if len(data) > MAX_BYTES:
        raise _reject("signature_image_too_large",
                      f"the file has {len(data)} bytes, more than {MAX_BYTES}")
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError as error:
        raise _reject("signature_image_too_large", str(error)) from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as error:
        raise _reject("signature_image_unreadable", "not a PNG or JPEG image") from error
    # The header gives the size: refuse before decoding a huge image into memory.
    if image.width * image.height > MAX_PIXELS:
        raise _reject("signature_image_too_large",
                      f"{image.width}x{image.height} px is more than {MAX_PIXELS} pixels")
    try:
        _load_whole(image)
        image = ImageOps.exif_transpose(image)
        grey = _grey(image)
    except (OSError, ValueError, SyntaxError, EOFError, struct.error, zlib.error) as error:
        raise _reject("signature_image_unreadable", "the image data is damaged") from error
    if min(grey.shape) < 16:
        raise _reject("signature_image_unreadable", "the image is too small to hold a signature")
    return grey, _scale(image, grey.shape)


def _load_whole(image: Image.Image) -> None:
    """Decode every byte, refusing a cut-off file. WeasyPrint, in the same documents process,
    sets Pillow's global LOAD_TRUNCATED_IMAGES, which would make a half-uploaded scan load
    with grey where the rest of the signature should be; this load never allows it. (No
    other green thread runs in between: decoding does no I/O.)"""
    allowed = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        image.load()
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = allowed


def _grey(image: Image.Image) -> np.ndarray:
    if image.mode.startswith("I"):
        # 16-bit scans: Pillow's conversion to L clips at 255, so keep the top 8 bits.
        wide = np.asarray(image, dtype=np.int64)
        return (np.clip(wide, 0, 65535) >> 8).astype(np.uint8)
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        # Transparent pixels are paper, not black.
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    return np.asarray(image.convert("L"))


def _scale(image: Image.Image, shape: tuple[int, ...]) -> Scale:
    dpi = image.info.get("dpi")
    try:
        tagged = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        tagged = 0.0
    # Many programs write 72 or 96 dpi whatever the scan was: only a scanner-like tag counts.
    if not 100.0 <= tagged <= 1200.0:
        tagged = max(shape) / ASSUMED_BOX_MM * 25.4
    return Scale(min(max(tagged, MIN_DPI), MAX_DPI) / 25.4)


# --- ink and paper ----------------------------------------------------------------------

def paper_levels(grey: np.ndarray) -> Paper:
    """The paper's grey and noise, and the two thresholds below which a pixel is dark.

    Ink: Otsu's threshold, which splits ink from paper, capped well below the paper's
    grey so that an empty, noisy box (where Otsu would split the noise itself) stays
    empty. Print: anything clearly darker than the paper, because the frame may be
    printed in grey or colour, lighter than the ink, and Otsu would then leave it out."""
    hist = np.bincount(grey.ravel(), minlength=256).astype(np.float64)
    otsu = _otsu(hist)
    background = _median_level(hist)
    noise = _paper_noise(hist, otsu, background)
    ink = int(min(otsu, background - max(40.0, 6.0 * noise)))
    return Paper(background, noise, ink, int(background - max(24.0, 4.0 * noise)))


def binarise(grey: np.ndarray, threshold: int) -> np.ndarray:
    """Dark pixels (ink or print) as a boolean mask."""
    return grey <= threshold


def _otsu(hist: np.ndarray) -> int:
    levels = np.arange(256, dtype=np.float64)
    weight = np.cumsum(hist) / hist.sum()
    mean = np.cumsum(hist * levels) / hist.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean[-1] * weight - mean) ** 2 / (weight * (1.0 - weight))
    return int(np.nanargmax(np.nan_to_num(between, nan=-1.0)))


def _median_level(hist: np.ndarray) -> int:
    return int(np.searchsorted(np.cumsum(hist), hist.sum() / 2.0))


def _paper_noise(hist: np.ndarray, otsu: int, background: int) -> float:
    # Robust spread (MAD) of the paper class around the paper's grey.
    paper = hist.copy()
    paper[: otsu + 1] = 0.0
    if paper.sum() == 0:
        return 0.0
    deviation = np.abs(np.arange(256) - background)
    order = np.argsort(deviation, kind="stable")
    cumulative = np.cumsum(paper[order])
    mad = deviation[order][np.searchsorted(cumulative, cumulative[-1] / 2.0)]
    return 1.4826 * float(mad)


# --- connected components (8-connected, on horizontal runs) -----------------------------

@dataclass(frozen=True)
class Components:
    """Runs of dark pixels (row, start, end exclusive) and each run's component label."""

    row: np.ndarray
    start: np.ndarray
    end: np.ndarray
    label: np.ndarray
    count: int
    width: int

    def areas(self) -> np.ndarray:
        return np.bincount(self.label, weights=self.end - self.start, minlength=self.count)

    def boxes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Each component's bounding box: x0, y0, x1, y1 (x1 and y1 exclusive)."""
        big = np.iinfo(np.int64).max
        x0, y0 = np.full(self.count, big), np.full(self.count, big)
        x1, y1 = np.zeros(self.count, np.int64), np.zeros(self.count, np.int64)
        np.minimum.at(x0, self.label, self.start)
        np.minimum.at(y0, self.label, self.row)
        np.maximum.at(x1, self.label, self.end)
        np.maximum.at(y1, self.label, self.row + 1)
        return x0, y0, x1, y1

    def run_at(self, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
        """Index of the run holding each given dark pixel."""
        keys = self.row * (self.width + 2) + self.start
        return np.searchsorted(keys, ys * (self.width + 2) + xs, side="right") - 1

    def paint(self, runs: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
        """The given runs as a boolean mask over `box` (x0, y0, x1, y1)."""
        x0, y0, x1, y1 = box
        edges = np.zeros((y1 - y0, x1 - x0 + 1), dtype=np.int32)
        rows = self.row[runs] - y0
        np.add.at(edges, (rows, self.start[runs] - x0), 1)
        np.add.at(edges, (rows, self.end[runs] - x0), -1)
        return np.cumsum(edges, axis=1)[:, :-1] > 0


def components(mask: np.ndarray) -> Components:
    """Label the 8-connected components of `mask`.

    Works on runs rather than pixels: a signature has a few thousand runs, so a
    vectorised union of overlapping runs takes milliseconds without scipy."""
    height, width = mask.shape
    padded = np.zeros((height, width + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    step = np.diff(padded, axis=1)
    row, start = np.nonzero(step == 1)
    _, end = np.nonzero(step == -1)
    label = _union_runs(row, start, end, width + 2)
    _, label = np.unique(label, return_inverse=True)
    count = int(label.max()) + 1 if label.size else 0
    return Components(row, start, end, label.astype(np.int64), count, width)


def _union_runs(row: np.ndarray, start: np.ndarray, end: np.ndarray, key: int) -> np.ndarray:
    # Run b (row r) meets run a (row r-1) when a.start <= b.end and a.end >= b.start:
    # 8-connectivity with exclusive ends. Runs are sorted by (row, start), so the runs of
    # row r-1 meeting b are one contiguous slice found by binary search.
    starts, ends = row * key + start, row * key + end
    first = np.searchsorted(ends, (row - 1) * key + start, side="left")
    stop = np.searchsorted(starts, (row - 1) * key + end, side="right")
    count = np.maximum(stop - first, 0)
    b = np.repeat(np.arange(row.size), count)
    offsets = np.arange(b.size) - np.repeat(np.cumsum(count) - count, count)
    a = np.repeat(first, count) + offsets
    parent = np.arange(row.size)
    while True:
        pa, pb = parent[a], parent[b]
        apart = pa != pb
        if not apart.any():
            return parent
        # Hook the larger root under the smaller, then flatten: the roots at least halve
        # each round, so this ends after a few rounds.
        np.minimum.at(parent, np.maximum(pa, pb)[apart], np.minimum(pa, pb)[apart])
        while True:
            flat = parent[parent]
            if np.array_equal(flat, parent):
                break
            parent = flat


# --- the frame ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Line:
    centre: float  # in the de-rotated `across` coordinate
    thickness: int
    first: float  # extent of the dark pixels along it
    last: float


def find_frame(mask: np.ndarray, scale: Scale) -> Frame:
    """The printed frame: the smallest rectangle of straight lines around the scan's centre.

    The scan may be turned a little, so the tilt is found first (the angle that makes
    the lines' projections sharpest); long, thin, continuous lines are candidates; the
    sides chosen must run from one perpendicular side to the other, as a printed frame's
    do (a straight stroke of ink does not); each is refitted on the pixels. A side with
    no line is the image border (REG-7: staff may crop inside the frame)."""
    height, width = mask.shape
    border = Frame.image_border(height, width)
    ys, xs = np.nonzero(mask)
    if ys.size < MIN_LINE_SHARE * min(height, width):
        return border
    angle = _tilt(xs, ys)
    cos, sin = math.cos(angle), math.sin(angle)
    u = xs * cos + ys * sin  # along a horizontal side
    v = ys * cos - xs * sin  # along a vertical side
    corners_u = [x * cos + y * sin for x in (0, width) for y in (0, height)]
    corners_v = [y * cos - x * sin for x in (0, width) for y in (0, height)]
    rows = _lines(v, u, MIN_LINE_SHARE * width, scale)
    cols = _lines(u, v, MIN_LINE_SHARE * height, scale)
    top, bottom, left, right = _rectangle(
        rows, cols, (min(corners_u), max(corners_u)), (min(corners_v), max(corners_v)))
    # A horizontal line at v = c is y = (c + x sin) / cos; a vertical one at u = c is
    # x = (c - y sin) / cos.
    return Frame(
        top=_fit_side(mask, top, cos, sin) if top else border.top,
        bottom=_fit_side(mask, bottom, cos, sin) if bottom else border.bottom,
        left=_fit_side(mask.T, left, cos, -sin) if left else border.left,
        right=_fit_side(mask.T, right, cos, -sin) if right else border.right,
    )


def _tilt(xs: np.ndarray, ys: np.ndarray) -> float:
    if xs.size > 200_000:  # the angle needs no more; keeps big scans fast
        pick = np.linspace(0, xs.size - 1, 200_000).astype(np.int64)
        xs, ys = xs[pick], ys[pick]
    xs, ys = xs.astype(np.float32), ys.astype(np.float32)

    def sharpness(angle: float) -> float:
        cos, sin = math.cos(angle), math.sin(angle)
        score = 0.0
        for coordinate in (ys * cos - xs * sin, xs * cos + ys * sin):
            bins = np.rint(coordinate - coordinate.min()).astype(np.int64)
            hist = np.bincount(bins).astype(np.float64)
            score += float(hist @ hist)
        return score

    coarse = np.deg2rad(np.arange(-MAX_TILT_DEG, MAX_TILT_DEG + 1e-9, 0.25))
    best = max(coarse, key=sharpness)
    fine = best + np.deg2rad(np.arange(-0.25, 0.25 + 1e-9, 0.025))
    return float(max(fine, key=sharpness))


def _lines(across: np.ndarray, along: np.ndarray, min_length: float,
           scale: Scale) -> list[_Line]:
    """Thin, straight, continuous lines at least `min_length` long."""
    origin = math.floor(float(across.min()))
    bins = np.rint(across - origin).astype(np.int64)
    hist = np.bincount(bins)
    busy = np.flatnonzero(hist >= min_length / 3.0)
    lines = []
    for group in np.split(busy, np.flatnonzero(np.diff(busy) > 1) + 1):
        if group.size == 0 or hist[group].max() < min_length / 2.0:
            continue
        core = group[hist[group] >= hist[group].max() / 2.0]
        if core.size > scale.max_line:
            continue  # a dense band of ink, not a printed line
        centre_across = float(np.average(core, weights=hist[core])) + origin
        near = np.abs(across - centre_across) <= core.size / 2.0 + 1.0
        extent = _longest_run(along[near], scale.line_gap)
        if extent and extent[1] - extent[0] >= min_length:
            lines.append(_Line(centre_across, int(core.size), *extent))
    return lines


def _longest_run(positions: np.ndarray, gap: int) -> tuple[float, float] | None:
    if positions.size == 0:
        return None
    occupied = np.unique(np.rint(positions).astype(np.int64))
    breaks = np.flatnonzero(np.diff(occupied) > gap + 1)
    firsts = np.concatenate(([0], breaks + 1))
    lasts = np.concatenate((breaks, [occupied.size - 1]))
    longest = int(np.argmax(occupied[lasts] - occupied[firsts]))
    return float(occupied[firsts[longest]]), float(occupied[lasts[longest]])


Sides = tuple[_Line | None, _Line | None, _Line | None, _Line | None]


def _rectangle(rows: list[_Line], cols: list[_Line], span_u: tuple[float, float],
               span_v: tuple[float, float]) -> Sides:
    """Top, bottom, left and right (None: the image border) around the scan's centre.

    Every side found must cover 90 % of the way between the two sides across it. Of the
    rectangles that hold, the one with the most sides found, then the smallest, wins:
    the inner line of a double frame, the cell of a table that holds the centre."""
    centre_u, centre_v = sum(span_u) / 2, sum(span_v) / 2
    choices = (_near(rows, centre_v, before=True), _near(rows, centre_v, before=False),
               _near(cols, centre_u, before=True), _near(cols, centre_u, before=False))
    best: Sides = (None, None, None, None)
    best_key = (0, 0.0)
    for sides in itertools.product(*choices):
        top, bottom, left, right = sides
        v0, v1 = top.centre if top else span_v[0], bottom.centre if bottom else span_v[1]
        u0, u1 = left.centre if left else span_u[0], right.centre if right else span_u[1]
        if not all(_covers(line, lo, hi) for line, lo, hi in (
                (top, u0, u1), (bottom, u0, u1), (left, v0, v1), (right, v0, v1))):
            continue
        key = (sum(side is not None for side in sides), -(u1 - u0) * (v1 - v0))
        if key > best_key:
            best, best_key = sides, key
    return best


def _near(lines: list[_Line], centre: float, before: bool) -> list[_Line | None]:
    """No line, or one of the four lines nearest the centre on that side of it."""
    side = sorted((line for line in lines if (line.centre < centre) == before),
                  key=lambda line: abs(line.centre - centre))
    return [None, *side[:4]]


def _covers(line: _Line | None, low: float, high: float) -> bool:
    if line is None:
        return True
    overlap = min(line.last, high) - max(line.first, low)
    return overlap >= 0.9 * (high - low)


def _fit_side(mask: np.ndarray, line: _Line, cos: float, sin: float) -> Side:
    """Refit one side on the pixels: per column, the centre of the dark run on the line.

    `mask` is transposed for the left and right sides, so rows are always `across`.
    Only the run through the line counts (ink beside it, past a gap, does not), and
    columns where ink meets the line (a run thicker than the line) are left out."""
    height, width = mask.shape
    along = np.arange(width, dtype=np.float64)
    guess = (line.centre + along * sin) / cos
    reach = math.ceil(line.thickness / 2.0) + 2
    rows = np.rint(guess)[None, :].astype(np.int64) + np.arange(-reach, reach + 1)[:, None]
    dark = mask[np.clip(rows, 0, height - 1), np.arange(width)[None, :]]
    dark &= (rows >= 0) & (rows < height)
    run = _run_through_middle(dark)
    count = run.sum(axis=0)
    clean = (count >= 1) & (count <= line.thickness + 1)
    if clean.sum() < 2:
        return Side(float(guess[0]), sin / cos, line.thickness / 2.0)
    centres = (run * rows).sum(axis=0)[clean] / count[clean]
    slope, offset = np.polyfit(along[clean], centres, 1)
    # Half the run (a run of t pixels centred on c covers c - t/2 .. c + t/2).
    return Side(float(offset), float(slope), float(np.median(count[clean])) / 2.0)


def _run_through_middle(dark: np.ndarray) -> np.ndarray:
    """Per column of `dark`, the contiguous dark pixels through its middle row (or the
    row next to it, when a thin line's pixel fell there)."""
    middle = dark.shape[0] // 2
    run = np.zeros_like(dark)
    for row in (middle, middle - 1, middle + 1):
        seed = dark[row] & ~run.any(axis=0)
        run[row] |= seed
    for _ in range(dark.shape[0]):
        grown = run.copy()
        grown[1:] |= run[:-1]
        grown[:-1] |= run[1:]
        grown &= dark
        if np.array_equal(grown, run):
            break
        run = grown
    return run


# --- the ink inside -----------------------------------------------------------------------

def ink_inside(mask: np.ndarray, frame: Frame, scale: Scale) -> Ink:
    """The ink strictly inside the frame; refuse a box that is touched or empty (REG-7).

    Dark pixels on a frame line (within a tolerance) are the frame; the rest is labelled.
    A blob in the first pixel ring next to the line touches the frame: a stroke crossing
    the line leaves one on the inside, a dot on the line wider than the line leaves one
    on either side. Outside, only dot-like blobs ending near the line count: a table's
    printed lines meeting the frame run on or are thin. Specks are ignored."""
    ys, xs = np.nonzero(mask)
    centre, half = frame.distances(ys, xs)
    inner = (centre - half).min(axis=0)  # > 0 inside the box, past the lines' inner edges
    outer = (centre + half).min(axis=0)  # < 0 outside the box, past their outer edges
    tol = scale.tolerance
    # Outside, a side's straight continuation is print too (a table's ruling).
    on_a_line = (np.abs(centre) <= half + tol).any(axis=0)
    outside = (outer < -tol) & (outer >= -tol - scale.dot_reach) & ~on_a_line
    near = (inner > tol) | outside
    ys, xs, inner, outer = ys[near], xs[near], inner[near], outer[near]
    parts = components(_mask_of(mask.shape, ys, xs))
    label = parts.label[parts.run_at(ys, xs)]
    inside = _any_per(parts, label, inner > tol)
    ring = _any_per(parts, label, (inner <= tol + 1.0) & (outer >= -tol - 1.0))
    runs_on = _any_per(parts, label, outer < -tol - scale.dot_reach + 1.0)
    x0, y0, x1, y1 = parts.boxes()
    dot_like = ~runs_on & (np.minimum(x1 - x0, y1 - y0) >= scale.dot_size)
    areas = parts.areas()
    if (ring & (inside | dot_like) & (areas >= scale.touch_area)).any():
        raise _reject("signature_touches_frame",
                      "the signature touches or crosses the frame of the box")
    kept = _signature_parts(parts, inside & (areas >= scale.speck_area), areas, scale)
    runs = np.flatnonzero(kept[parts.label])
    box = (int(parts.start[runs].min()), int(parts.row[runs].min()),
           int(parts.end[runs].max()), int(parts.row[runs].max()) + 1)
    return Ink(parts.paint(runs, box), box, int(areas[kept].sum()))


def _mask_of(shape: tuple[int, ...], ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    mask[ys, xs] = True
    return mask


def _any_per(parts: Components, label: np.ndarray, flag: np.ndarray) -> np.ndarray:
    """Per component: does any of its pixels (given with their labels) have `flag`?"""
    return np.bincount(label[flag], minlength=parts.count) > 0


def _signature_parts(parts: Components, candidates: np.ndarray, areas: np.ndarray,
                     scale: Scale) -> np.ndarray:
    """The components making the signature: every stroke, and the small marks near them.

    Without one stroke of at least a 1 mm square of ink the box is empty: scattered
    specks, however many, are not a signature."""
    strokes = candidates & (areas >= scale.signature_area)
    if not strokes.any():
        raise _reject("signature_empty", "there is no signature inside the frame")
    x0, y0, x1, y1 = parts.boxes()
    reach = scale.stray_distance
    near = ((x1 >= x0[strokes].min() - reach) & (x0 <= x1[strokes].max() + reach)
            & (y1 >= y0[strokes].min() - reach) & (y0 <= y1[strokes].max() + reach))
    return candidates & near


def crop(ink: Ink, shape: tuple[int, ...], scale: Scale) -> tuple[int, int, int, int]:
    """The ink's bounding box plus a small margin, within the image (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = ink.box
    m = scale.margin
    return max(0, x0 - m), max(0, y0 - m), min(shape[1], x1 + m), min(shape[0], y1 + m)


def to_transparent(grey: np.ndarray, keep: np.ndarray, paper: Paper,
                   ink_level: float) -> Image.Image:
    """Black ink whose alpha follows the darkness: paper is 0, the ink's core is 255.

    Recolouring to black keeps box 9 uniform whatever the pen; the alpha ramp keeps the
    scan's anti-aliasing so the printed signature has smooth edges. `keep` limits alpha
    to the signature and its halo, so specks, the frame and noise stay transparent."""
    paper_edge = paper.background - max(6.0, 3.0 * paper.noise)
    span = max(1.0, paper_edge - ink_level)
    alpha = np.clip((paper_edge - grey.astype(np.float32)) / span, 0.0, 1.0)
    alpha = np.rint(alpha * 255.0).astype(np.uint8) * keep
    black = np.zeros_like(alpha)
    return Image.fromarray(np.dstack((black, black, black, alpha)), "RGBA")


def _grow(mask: np.ndarray, steps: int) -> np.ndarray:
    grown = mask.copy()
    for _ in range(steps):
        step = grown.copy()
        step[1:, :] |= grown[:-1, :]
        step[:-1, :] |= grown[1:, :]
        step[:, 1:] |= grown[:, :-1]
        step[:, :-1] |= grown[:, 1:]
        grown = step
    return grown


# --- the whole rule -------------------------------------------------------------------------

def digitise_signature(data: bytes) -> SignatureImage:
    """REG-7: the scanned signature box as a cropped, transparent, black-ink PNG.

    Raises SignatureRejected (code `signature_image_too_large`, `signature_image_unreadable`,
    `signature_empty` or `signature_touches_frame`)."""
    grey, scale = load_grey(data)
    paper = paper_levels(grey)
    frame = find_frame(binarise(grey, paper.print_threshold), scale)
    ink = ink_inside(binarise(grey, paper.ink_threshold), frame, scale)
    x0, y0, x1, y1 = box = crop(ink, grey.shape, scale)
    core, keep = _signature_masks(ink, box, frame, scale)
    window = grey[y0:y1, x0:x1]
    image = to_transparent(window, keep, paper, float(np.median(window[core])))
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(scale.dpi, scale.dpi))
    return SignatureImage(out.getvalue(), image.width, image.height, scale.dpi)


def _signature_masks(ink: Ink, box: tuple[int, int, int, int], frame: Frame,
                     scale: Scale) -> tuple[np.ndarray, np.ndarray]:
    """Over the crop: the binarised ink, and where alpha may be non-zero (the ink and its
    anti-aliased halo, never on the frame's line)."""
    x0, y0, x1, y1 = box
    core = np.zeros((y1 - y0, x1 - x0), dtype=bool)
    ix0, iy0, ix1, iy1 = ink.box
    core[iy0 - y0:iy1 - y0, ix0 - x0:ix1 - x0] = ink.mask
    ys, xs = np.mgrid[y0:y1, x0:x1]
    return core, _grow(core, scale.halo) & frame.inside(ys, xs, scale.tolerance)


def extract_signature(data: bytes) -> bytes:
    """REG-7: PNG bytes (RGBA) of the signature in the scanned box, ready for box 9."""
    return digitise_signature(data).png
