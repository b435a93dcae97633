"""Scanned signature boxes drawn with Pillow, for every test that needs one (REG-7): a
printed frame, a signature-like set of strokes (or a name in a Japanese font), then what a
scanner does to it (grey paper, a turn of up to 2 degrees, noise, JPEG). The base scan is a
300-dpi box: 1500 x 600 px, frame 3 px.
"""
import io
import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT, PAD, LINE = 1500, 600, 60, 3
INK, PAPER = 10, 255
# ImageDraw draws the frame's width inwards from PAD: the right side covers 1438..1440.
RIGHT_INNER_EDGE = WIDTH - PAD - LINE  # 1437: the last column of the box before that side
FONT = Path("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf")


def paper(k=1.0, background=PAPER, mode="L"):
    size = (round(WIDTH * k), round(HEIGHT * k))
    return Image.new(mode, size, background if mode == "L" else (background,) * 3)


def frame(image, k=1.0, line=LINE, colour=20):
    pad = round(PAD * k)
    ImageDraw.Draw(image).rectangle((pad, pad, image.width - pad, image.height - pad),
                                    outline=colour, width=max(1, round(line * k)))
    return image


def sign(image, k=1.0, colour=INK):
    """A signature-like scrawl in the middle of the box: a wave, a loop and a dash."""
    draw = ImageDraw.Draw(image)
    wave = [(k * (400 + 3 * i), k * (300 + 80 * math.sin(i / 25))) for i in range(240)]
    draw.line(wave, fill=colour, width=round(6 * k), joint="curve")
    draw.ellipse((k * 500, k * 220, k * 650, k * 380), outline=colour, width=round(5 * k))
    draw.line([(k * 700, k * 350), (k * 1000, k * 250)], fill=colour, width=round(5 * k))
    return image


def stroke_to(image, end_x, k=1.0, colour=INK):
    """A flourish from inside the signature towards the right side of the frame."""
    ImageDraw.Draw(image).line([(k * 900, k * 300), (end_x, k * 200)], fill=colour,
                               width=round(5 * k))
    return image


def dot(image, x, y, radius=6):
    ImageDraw.Draw(image).ellipse((x - radius, y - radius, x + radius, y + radius), fill=INK)
    return image


def name(image, text="山田太郎", colour=INK):
    font = (ImageFont.truetype(str(FONT), 160) if FONT.exists()
            else ImageFont.load_default(size=160))
    ImageDraw.Draw(image).text((300, 200), text, fill=colour, font=font)
    return image


def scanned(image, fmt="PNG", quality=80, angle=0.0, noise=0.0, seed=1):
    """What the scanner and the staff's software do: turn, noise, compression."""
    background = image.getpixel((0, 0))
    if angle:
        image = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=background)
    if noise:
        pixels = np.asarray(image, dtype=np.float64)
        pixels = pixels + np.random.default_rng(seed).normal(0.0, noise, pixels.shape)
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    out = io.BytesIO()
    image.save(out, fmt, **({"quality": quality} if fmt == "JPEG" else {}))
    return out.getvalue()
