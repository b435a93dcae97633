"""REG-7: a scanned signature box becomes a cropped, transparent PNG, or a clear refusal.

Every scan is drawn here with Pillow: a printed frame, a signature-like set of strokes
(or a name in a Japanese font), then what a scanner does to it (grey paper, a turn of up
to 2 degrees, noise, JPEG). The base scan is a 300-dpi box: 1500 x 600 px, frame 3 px.
"""
import io
import math
import struct
import time
import zlib

import numpy as np
import pytest
from PIL import Image, ImageDraw

from services.documents import signatures
from services.documents.exceptions import SignatureRejected
from services.documents.signatures import extract_signature
from tests.helpers.scans import (
    HEIGHT,
    INK,
    LINE,
    PAD,
    PAPER,
    RIGHT_INNER_EDGE,
    WIDTH,
    dot,
    frame,
    name,
    paper,
    scanned,
    sign,
    stroke_to,
)

MARGIN = signatures.Scale(300 / 25.4).margin  # 1 mm at 300 dpi


def clean_box():
    return sign(frame(paper()))


def ink_box(image, threshold=128):
    """Bounding box (x0, y0, x1, y1) of the dark pixels inside the frame of a drawn scan."""
    grey = np.asarray(image.convert("L"))
    inside = np.zeros_like(grey, dtype=bool)
    inside[PAD + LINE + 2:HEIGHT - PAD - LINE - 2, PAD + LINE + 2:WIDTH - PAD - LINE - 2] = True
    ys, xs = np.nonzero((grey < threshold) & inside)
    return xs.min(), ys.min(), xs.max() + 1, ys.max() + 1


def rgba(png):
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.mode == "RGBA"
    return np.asarray(image)


def refusal(data):
    with pytest.raises(SignatureRejected) as caught:
        extract_signature(data)
    error = caught.value
    assert error.fields == {"signature": [error.code]}
    assert error.status == 422
    return error.code


# --- accepted scans ------------------------------------------------------------------------

def test_a_clean_signature_becomes_a_cropped_transparent_black_png():
    drawn = clean_box()
    x0, y0, x1, y1 = ink_box(drawn)

    out = rgba(extract_signature(scanned(drawn)))

    # Cropped to the ink plus a 1 mm margin on every side.
    assert out.shape[:2] == (y1 - y0 + 2 * MARGIN, x1 - x0 + 2 * MARGIN)
    assert out.shape[1] < WIDTH / 2 and out.shape[0] < HEIGHT / 2
    ys, xs = np.nonzero(out[:, :, 3])
    assert (xs.min(), ys.min()) == (MARGIN, MARGIN)
    assert (out.shape[1] - xs.max() - 1, out.shape[0] - ys.max() - 1) == (MARGIN, MARGIN)
    # Pixel for pixel against the drawing: paper is transparent, ink opaque and black.
    source = np.asarray(drawn)[y0 - MARGIN:y1 + MARGIN, x0 - MARGIN:x1 + MARGIN]
    assert (out[:, :, 3][source == PAPER] == 0).all()
    assert (out[:, :, 3][source == INK] == 255).all()
    assert (out[:, :, :3] == 0).all()


def test_the_scan_is_turned_upright_as_its_exif_orientation_says():
    stored = clean_box().transpose(Image.Transpose.ROTATE_90)  # as a scanner may store it
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: turn 90 degrees clockwise to view
    out = io.BytesIO()
    stored.save(out, "JPEG", quality=90, exif=exif)

    image = rgba(extract_signature(out.getvalue()))

    assert image.shape[1] > 2 * image.shape[0]  # the signature lies as it was written


def test_a_transparent_png_is_read_as_ink_on_white_paper():
    drawn = clean_box()
    ink = Image.eval(drawn, lambda grey: 255 - grey)  # dark pixels opaque, paper clear
    layered = Image.merge("RGBA", (*Image.new("RGB", drawn.size, "black").split(), ink))
    out = io.BytesIO()
    layered.save(out, "PNG")

    assert rgba(extract_signature(out.getvalue())).shape == \
        rgba(extract_signature(scanned(drawn))).shape


def test_a_16_bit_grey_scan_is_read():
    wide = (np.asarray(clean_box(), dtype=np.uint16) * 257).astype(np.uint16)
    out = io.BytesIO()
    Image.fromarray(wide).save(out, "PNG")

    assert rgba(extract_signature(out.getvalue())).shape == \
        rgba(extract_signature(scanned(clean_box()))).shape


def test_the_png_keeps_the_scan_resolution_for_printing_box_9():
    result = signatures.digitise_signature(scanned(clean_box()))

    image = Image.open(io.BytesIO(result.png))
    assert result.dpi == 300
    assert round(image.info["dpi"][0]) == 300
    assert (image.width, image.height) == (result.width, result.height)


def test_a_noisy_jpeg_on_light_grey_paper_gives_smooth_alpha_and_clear_paper():
    drawn = sign(frame(paper(background=215)))
    x0, y0, x1, y1 = ink_box(drawn)

    out = rgba(extract_signature(scanned(drawn, "JPEG", quality=70, noise=6)))
    alpha = out[:, :, 3]

    assert abs(out.shape[1] - (x1 - x0 + 2 * MARGIN)) <= 2
    assert abs(out.shape[0] - (y1 - y0 + 2 * MARGIN)) <= 2
    ink = np.asarray(drawn)[y0 - MARGIN:y1 + MARGIN, x0 - MARGIN:x1 + MARGIN] == INK
    ink = ink[:alpha.shape[0], :alpha.shape[1]]
    assert np.median(alpha[ink]) >= 240  # the strokes are opaque
    far = ~_grown(ink, 4)
    assert (alpha[far] == 0).mean() > 0.999  # the grey, noisy paper is gone
    # Edges keep intermediate alpha rather than a hard cut-out.
    edge = _grown(ink, 1) & ~ink
    assert ((alpha[edge] > 0) & (alpha[edge] < 255)).sum() > 200


def _grown(mask, steps):
    grown = mask.copy()
    for _ in range(steps):
        grown = (grown | np.roll(grown, 1, 0) | np.roll(grown, -1, 0)
                 | np.roll(grown, 1, 1) | np.roll(grown, -1, 1))
    return grown


@pytest.mark.parametrize("angle", [2.0, -2.0, 0.7])
def test_a_slightly_turned_scan_is_read_with_its_turned_frame(angle):
    data = scanned(clean_box(), "JPEG", angle=angle, noise=3)
    grey, scale = signatures.load_grey(data)
    levels = signatures.paper_levels(grey)

    found = signatures.find_frame(signatures.binarise(grey, levels.print_threshold), scale)

    slope = math.tan(math.radians(angle))
    assert found.found
    for side in (found.top, found.bottom):
        assert side.detected and side.slope == pytest.approx(-slope, abs=0.002)
    for side in (found.left, found.right):
        assert side.detected and side.slope == pytest.approx(slope, abs=0.002)
    out = rgba(extract_signature(data))
    assert out.shape[1] < 800 and out.shape[0] < 260


def test_the_frame_is_found_where_it_was_printed():
    grey, scale = signatures.load_grey(scanned(clean_box()))

    found = signatures.find_frame(grey <= 128, scale)

    # Lines of 3 px: rows 60..62 and 538..540, columns 60..62 and 1438..1440.
    assert (found.top.offset, found.bottom.offset) == pytest.approx((61, 539), abs=0.5)
    assert (found.left.offset, found.right.offset) == pytest.approx((61, 1439), abs=0.5)
    assert found.top.half == pytest.approx(LINE / 2, abs=0.5)


def test_the_frame_fit_ignores_ink_running_beside_a_side():
    drawn = clean_box()
    ImageDraw.Draw(drawn).line([(300, 65), (900, 65)], fill=INK, width=1)  # 2 px below the top
    grey, scale = signatures.load_grey(scanned(drawn))

    found = signatures.find_frame(grey <= 128, scale)

    assert found.top.offset == pytest.approx(61, abs=0.2)
    assert found.top.slope == pytest.approx(0, abs=0.0005)


def test_a_name_written_in_kanji_is_kept_whole():
    drawn = name(frame(paper()))
    x0, y0, x1, y1 = ink_box(drawn)

    out = rgba(extract_signature(scanned(drawn)))

    assert out.shape[:2] == (y1 - y0 + 2 * MARGIN, x1 - x0 + 2 * MARGIN)


def test_a_colour_scan_with_a_red_frame_and_blue_ink_gives_black_ink():
    drawn = paper(mode="RGB")
    frame(drawn, colour=(200, 40, 40))
    sign(drawn, colour=(20, 30, 120))

    out = rgba(extract_signature(scanned(drawn, "JPEG", quality=85)))

    assert out.shape[1] < 800
    assert (out[:, :, :3] == 0).all()
    assert (out[:, :, 3] == 255).sum() > 3000


@pytest.mark.parametrize("grey", [150, 200])
def test_a_frame_printed_lighter_than_the_ink_is_still_the_frame(grey):
    touched = stroke_to(sign(frame(paper(), colour=grey)), RIGHT_INNER_EDGE)

    assert refusal(scanned(touched)) == "signature_touches_frame"
    assert rgba(extract_signature(scanned(sign(frame(paper(), colour=grey))))).shape[1] < 800


@pytest.mark.parametrize(("gap", "fmt"), [(2, "PNG"), (6, "JPEG")])
def test_ink_close_to_the_frame_but_clear_of_it_is_accepted(gap, fmt):
    # The flourish ends `gap` px (0.17 or 0.5 mm) before the line.
    drawn = stroke_to(clean_box(), RIGHT_INNER_EDGE - gap)
    assert np.asarray(drawn)[150:260, RIGHT_INNER_EDGE - gap + 1:RIGHT_INNER_EDGE + 1].min() \
        == PAPER

    out = rgba(extract_signature(scanned(drawn, fmt, quality=80, noise=3)))

    assert out.shape[1] > 1000  # the flourish is in


def test_ink_a_pixel_from_the_frame_counts_as_touching():
    # A scan cannot tell a 0.08 mm gap from contact: the frame's tolerance takes it in.
    assert refusal(scanned(stroke_to(clean_box(), RIGHT_INNER_EDGE - 1))) \
        == "signature_touches_frame"


def test_specks_and_dust_do_not_change_the_crop():
    drawn = clean_box()
    reference = rgba(extract_signature(scanned(drawn)))
    draw = ImageDraw.Draw(drawn)
    rng = np.random.default_rng(5)
    for x, y, size in zip(rng.integers(80, 1420, 60), rng.integers(80, 520, 60),
                          rng.integers(1, 3, 60), strict=True):
        draw.rectangle((x, y, x + size - 1, y + size - 1), fill=INK)
    draw.ellipse((1300, 470, 1304, 474), fill=INK)  # a bigger mark far from the strokes

    out = rgba(extract_signature(scanned(drawn)))

    assert out.shape == reference.shape


def test_a_table_form_whose_rulings_meet_the_frame_from_outside_is_accepted():
    drawn = clean_box()
    draw = ImageDraw.Draw(drawn)
    draw.line([(0, PAD + 1), (WIDTH, PAD + 1)], fill=20, width=LINE)  # the row's rulings
    draw.line([(0, HEIGHT - PAD - 1), (WIDTH, HEIGHT - PAD - 1)], fill=20, width=LINE)
    draw.line([(800, 0), (800, PAD)], fill=20, width=LINE)  # the next cells' sides
    draw.line([(300, HEIGHT - PAD), (300, HEIGHT)], fill=20, width=LINE)

    out = rgba(extract_signature(scanned(drawn, "JPEG", angle=1.0, noise=3)))

    assert out.shape[1] < 800


def test_a_dashed_ruling_continuing_the_frame_is_print_not_ink():
    drawn = clean_box()
    draw = ImageDraw.Draw(drawn)
    for x in range(PAD - 2, 0, -11):  # dashes of 8 px every 11 px, leftwards from the corner
        draw.rectangle((x - 7, PAD - 1, x, PAD + 2), fill=20)
    for x in range(WIDTH - PAD + 2, WIDTH, 11):  # and rightwards from the other corner
        draw.rectangle((x, HEIGHT - PAD - 2, x + 7, HEIGHT - PAD + 1), fill=20)
    for y in range(HEIGHT - PAD + 2, HEIGHT, 11):  # a dashed hairline down to the next row
        draw.line([(700, y), (700, y + 7)], fill=20, width=1)

    assert rgba(extract_signature(scanned(drawn))).shape[1] < 800


@pytest.mark.parametrize("k", [0.5, 2.0])  # 150 and 600 dpi
def test_other_scan_resolutions(k):
    accepted = rgba(extract_signature(scanned(sign(frame(paper(k), k), k), "JPEG", noise=3)))
    assert accepted.shape[1] < WIDTH * k / 2
    inner_edge = round((WIDTH - PAD) * k) - round(LINE * k)
    touched = stroke_to(sign(frame(paper(k), k), k), inner_edge, k)
    assert refusal(scanned(touched, "JPEG", noise=3)) == "signature_touches_frame"


# --- scans cropped inside the frame ---------------------------------------------------------

def test_a_scan_cropped_inside_the_frame_takes_the_image_border_as_frame():
    drawn = clean_box().crop((PAD + 20, PAD + 20, WIDTH - PAD - 20, HEIGHT - PAD - 20))
    data = scanned(drawn, "JPEG", noise=3)
    grey, scale = signatures.load_grey(data)

    assert not signatures.find_frame(grey <= 128, scale).found
    out = rgba(extract_signature(data))
    assert out.shape[1] < 800


def test_ink_reaching_the_border_of_a_scan_cropped_inside_the_frame_touches():
    drawn = stroke_to(clean_box(), WIDTH).crop((PAD + 20, PAD + 20, WIDTH - PAD - 20,
                                                HEIGHT - PAD - 20))

    assert refusal(scanned(drawn)) == "signature_touches_frame"


def test_a_scan_keeping_part_of_the_frame_uses_what_it_keeps():
    # Cropped through the box: the top and left sides are in the scan, the others are not.
    drawn = clean_box().crop((PAD - 20, PAD - 20, WIDTH - PAD - 20, HEIGHT - PAD - 20))
    grey, scale = signatures.load_grey(scanned(drawn))

    found = signatures.find_frame(grey <= 128, scale)

    assert (found.top.detected, found.left.detected) == (True, True)
    assert (found.bottom.detected, found.right.detected) == (False, False)
    assert rgba(extract_signature(scanned(drawn))).shape[1] < 800


# --- refusals -----------------------------------------------------------------------------

def test_ink_touching_the_frame_is_refused():
    assert refusal(scanned(stroke_to(clean_box(), RIGHT_INNER_EDGE))) == "signature_touches_frame"


def test_a_hairline_touching_the_frame_is_refused():
    drawn = clean_box()
    ImageDraw.Draw(drawn).line([(1200, 450), (RIGHT_INNER_EDGE, 450)], fill=INK, width=1)

    assert refusal(scanned(drawn)) == "signature_touches_frame"


def test_ink_crossing_the_frame_is_refused():
    drawn = stroke_to(clean_box(), WIDTH - PAD + 40)

    assert refusal(scanned(drawn, "JPEG", noise=4)) == "signature_touches_frame"


@pytest.mark.parametrize("x", [
    WIDTH - PAD - 1,      # on the line's centre
    WIDTH - PAD - 5,      # on its inner edge
    WIDTH - PAD + 3,      # on its outer edge
    WIDTH - PAD + 7,      # beside it, outside
])
def test_a_dot_on_the_frame_line_touches(x):
    drawn = dot(clean_box(), x, 450)  # 1 mm across

    assert refusal(scanned(drawn, "JPEG", quality=85, angle=0.5)) == "signature_touches_frame"


def test_an_empty_box_is_refused():
    assert refusal(scanned(frame(paper()))) == "signature_empty"


def test_an_empty_box_on_noisy_grey_paper_is_refused():
    data = scanned(frame(paper(background=210)), "JPEG", quality=60, noise=8, angle=1.0)

    assert refusal(data) == "signature_empty"


def test_a_box_with_only_specks_is_refused_as_empty():
    drawn = frame(paper())
    draw = ImageDraw.Draw(drawn)
    rng = np.random.default_rng(9)
    for x, y in zip(rng.integers(80, 1420, 200), rng.integers(80, 520, 200), strict=True):
        draw.rectangle((x, y, x + 2, y + 2), fill=INK)  # 3 x 3 px: a quarter millimetre

    assert refusal(scanned(drawn, "JPEG", noise=3)) == "signature_empty"


def test_an_empty_scan_cropped_inside_the_frame_is_refused():
    assert refusal(scanned(paper(background=240), "JPEG", noise=5)) == "signature_empty"


@pytest.mark.parametrize("data", [
    b"",
    b"this is not an image" * 50,
    b"\x89PNG\r\n\x1a\n" + bytes(200),
])
def test_bytes_that_are_no_image_are_refused(data):
    assert refusal(data) == "signature_image_unreadable"


def test_a_damaged_or_unsupported_image_is_refused():
    png, jpeg = scanned(clean_box()), scanned(clean_box(), "JPEG")
    gif = io.BytesIO()
    clean_box().save(gif, "GIF")

    assert refusal(png[: len(png) // 2]) == "signature_image_unreadable"
    assert refusal(jpeg[: len(jpeg) // 2]) == "signature_image_unreadable"
    assert refusal(gif.getvalue()) == "signature_image_unreadable"


def test_an_image_of_more_than_20_megapixels_is_refused():
    huge = io.BytesIO()
    Image.new("1", (5000, 4001), 1).save(huge, "PNG")  # 20,005,000 px, a few kB

    assert refusal(huge.getvalue()) == "signature_image_too_large"


def test_a_huge_image_is_refused_from_its_header_without_decoding():
    def chunk(kind, body):
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", 6000, 6000, 8, 0, 0, 0, 0)  # 36 Mpx, grey
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(100))) + chunk(b"IEND", b""))

    assert refusal(data) == "signature_image_too_large"


def test_a_file_of_more_than_10_mb_is_refused():
    assert refusal(scanned(clean_box()) + bytes(10 * 1024 * 1024)) == "signature_image_too_large"


# --- the parts ----------------------------------------------------------------------------

def test_components_match_a_plain_flood_fill():
    rng = np.random.default_rng(3)
    for _ in range(20):
        mask = rng.random((40, 50)) < 0.35

        parts = signatures.components(mask)

        labels = np.full(mask.shape, -1)
        ys, xs = np.nonzero(mask)
        labels[ys, xs] = parts.label[parts.run_at(ys, xs)]
        assert _partition(labels) == _partition(_flood_fill(mask))


def _partition(labels):
    return {frozenset(zip(*np.nonzero(labels == n), strict=True))
            for n in np.unique(labels[labels >= 0])}


def _flood_fill(mask):
    labels = np.full(mask.shape, -1)
    count = 0
    for start in zip(*np.nonzero(mask), strict=True):
        if labels[start] >= 0:
            continue
        labels[start], todo = count, [start]
        while todo:
            y, x = todo.pop()
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    ny, nx = y + dy, x + dx
                    if (0 <= ny < mask.shape[0] and 0 <= nx < mask.shape[1]
                            and mask[ny, nx] and labels[ny, nx] < 0):
                        labels[ny, nx] = count
                        todo.append((ny, nx))
        count += 1
    return labels


def test_a_300_dpi_box_scan_is_digitised_quickly():
    data = scanned(clean_box(), "JPEG", quality=85, angle=1.0, noise=4)
    extract_signature(data)  # warm-up

    started = time.perf_counter()
    extract_signature(data)

    # About 30 ms here; the bound only catches an accidental per-pixel Python loop.
    assert time.perf_counter() - started < 1.0


def test_a_cut_off_scan_is_refused_even_where_weasyprint_allows_truncated_images():
    """The documents process imports WeasyPrint, which sets Pillow's global switch."""
    import weasyprint  # noqa: F401 — sets ImageFile.LOAD_TRUNCATED_IMAGES = True
    from PIL import ImageFile
    assert ImageFile.LOAD_TRUNCATED_IMAGES
    jpeg = scanned(clean_box(), "JPEG")
    assert refusal(jpeg[: len(jpeg) // 2]) == "signature_image_unreadable"
    assert ImageFile.LOAD_TRUNCATED_IMAGES  # left as WeasyPrint wants it
