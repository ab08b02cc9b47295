"""Build the CJK font the timeline pictures are drawn with: a subset of Noto Sans SC (SIL OFL 1.1).

A fresh machine has no system fonts, and the full font is 17 MB, so the repository carries static
Regular and Bold instances cut down to what a timeline can draw: ASCII, Latin-1 and Latin Extended-A,
common punctuation, arrows and shapes, CJK punctuation, full-width forms, every character of GB 2312
(6,763 hanzi) and every character of the knowledge files. ``tests/test_timeline.py`` fails if the
knowledge ever draws a character the subset lacks; then run this again.

Run: python scripts/subset_font.py PATH/TO/NotoSansSC[wght].ttf
(the variable font from the Noto CJK / Google Fonts releases; fontTools comes with matplotlib)
"""

import argparse
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bot" / "render" / "fonts"
FAMILY = "Almanac Noto Sans SC"  # a modified version gets its own name (OFL 1.1, section 3 spirit)
WEIGHTS = {"Regular": 400, "Bold": 700}
RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x017F),  # Latin-1, Latin Extended-A
    (0x2000, 0x206F),  # general punctuation (– — ‘ ’ “ ” … ·)
    (0x2190, 0x21FF),  # arrows
    (0x25A0, 0x25FF),  # geometric shapes (● ▲ ■ ◆)
    (0x3000, 0x303F),  # CJK punctuation
    (0xFF00, 0xFFEF),  # full-width forms
]


def characters() -> set[int]:
    chars = {code for low, high in RANGES for code in range(low, high + 1)}
    for first in range(0xA1, 0xF8):  # every GB 2312 code point
        for second in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([first, second]).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    for path in (ROOT / "knowledge").rglob("*.yaml"):
        chars.update(ord(c) for c in path.read_text(encoding="utf-8") if c.isprintable())
    return chars


def build(source: Path, style: str, weight: int, chars: set[int]) -> Path:
    font = instancer.instantiateVariableFont(TTFont(source), {"wght": weight})
    options = subset.Options()
    options.hinting = False
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=chars)
    subsetter.subset(font)
    names = font["name"]
    names.removeNames(platformID=1)
    for name_id, value in {1: FAMILY, 2: style, 4: f"{FAMILY} {style}", 6: f"AlmanacNotoSansSC-{style}"}.items():
        names.setName(value, name_id, 3, 1, 0x409)
    for name_id in (3, 16, 17):
        names.removeNames(nameID=name_id)
    target = OUT / f"AlmanacNotoSansSC-{style}.ttf"
    font.save(target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="NotoSansSC[wght].ttf")
    args = parser.parse_args()
    chars = characters()
    for style, weight in WEIGHTS.items():
        target = build(args.source, style, weight, chars)
        print(f"{target.relative_to(ROOT)}: {target.stat().st_size / 1e6:.1f} MB, {len(chars)} characters asked for")


if __name__ == "__main__":
    main()
