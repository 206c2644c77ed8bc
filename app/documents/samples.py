"""Sample pictures for the demo and the generated data: a plain ID photo and a certificate, drawn with Pillow.

They are real PNG files that go through the same checks and store functions as an upload.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

BACKGROUND = (255, 255, 255)
SHADES = ((70, 80, 95), (95, 70, 60), (50, 60, 70), (110, 90, 80))


def sample_photo_png(variant: int = 0, size: tuple[int, int] = (358, 441)) -> bytes:
    """Return a 1-inch ID photo outline (head and shoulders on white) as PNG bytes."""
    width, height = size
    image = Image.new("RGB", size, BACKGROUND)
    draw = ImageDraw.Draw(image)
    shade = SHADES[variant % len(SHADES)]
    draw.ellipse((width * 0.32, height * 0.16, width * 0.68, height * 0.56), fill=(236, 206, 180))
    draw.chord((width * 0.30, height * 0.12, width * 0.70, height * 0.42), 180, 360, fill=shade)
    draw.pieslice((width * 0.08, height * 0.62, width * 0.92, height * 1.35), 180, 360, fill=shade)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def sample_certificate_png(size: tuple[int, int] = (1000, 700)) -> bytes:
    """Return a plain certificate-like page (border, title bars, a red seal) as PNG bytes."""
    width, height = size
    image = Image.new("RGB", size, (252, 250, 242))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, width - 20, height - 20), outline=(150, 30, 30), width=6)
    draw.rectangle((width * 0.3, 80, width * 0.7, 120), fill=(60, 60, 60))
    for row in range(5):
        top = 200 + row * 60
        draw.rectangle((120, top, width - 120 - row * 60, top + 16), fill=(120, 120, 120))
    draw.ellipse((width - 300, height - 260, width - 120, height - 80), outline=(200, 30, 30), width=8)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
