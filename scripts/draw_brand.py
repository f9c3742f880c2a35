"""Draw the integration's original icon and logo (a chip with a pickaxe) into brand/."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

BRAND = Path(__file__).resolve().parents[1] / "custom_components" / "mining_fleet" / "brand"
ORANGE, NAVY, BLUE = (247, 147, 26, 255), (24, 52, 84, 255), (37, 84, 130, 255)


def draw(size: int) -> Image.Image:
    """Return the icon at size x size pixels."""
    s = size / 256
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    chip = ImageDraw.Draw(img)
    chip.rounded_rectangle([28 * s, 28 * s, 228 * s, 228 * s], radius=36 * s, fill=NAVY)
    for i in range(4):
        x = (64 + i * 42) * s
        for y0, y1 in ((10, 28), (228, 246)):
            chip.rounded_rectangle([x - 7 * s, y0 * s, x + 7 * s, y1 * s], radius=3 * s, fill=ORANGE)
            chip.rounded_rectangle([y0 * s, x - 7 * s, y1 * s, x + 7 * s], radius=3 * s, fill=ORANGE)
    chip.rounded_rectangle([58 * s, 58 * s, 198 * s, 198 * s], radius=20 * s, fill=BLUE)
    # The pickaxe is drawn upright on its own layer, then tilted.
    layer = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    pick = ImageDraw.Draw(layer)
    pick.rounded_rectangle([121 * s, 78 * s, 135 * s, 200 * s], radius=5 * s, fill=(222, 184, 135, 255))
    pick.arc(
        [60 * s, 70 * s, 196 * s, 150 * s], start=195, end=345, fill=(235, 235, 240, 255), width=int(17 * s)
    )
    pick.rounded_rectangle([116 * s, 66 * s, 140 * s, 88 * s], radius=4 * s, fill=(190, 190, 200, 255))
    img.alpha_composite(layer.rotate(-40, resample=Image.Resampling.BICUBIC, center=(128 * s, 135 * s)))
    return img


def main() -> None:
    """Write icon.png, icon@2x.png, logo.png and logo@2x.png."""
    for name in ("icon", "logo"):
        draw(256).save(BRAND / f"{name}.png")
        draw(512).save(BRAND / f"{name}@2x.png")


if __name__ == "__main__":
    main()
