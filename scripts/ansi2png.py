#!/usr/bin/env python3
"""Renders a tmux `capture-pane -e` dump (text with ANSI SGR colours) to a PNG.

usage: ansi2png.py INPUT.ans OUTPUT.png COLUMNS ROWS
"""
import re
import sys

from PIL import Image, ImageDraw, ImageFont

PALETTE = [
    (30, 30, 30), (205, 49, 49), (13, 188, 121), (229, 229, 16),
    (36, 114, 200), (188, 63, 188), (17, 168, 205), (229, 229, 229),
    (102, 102, 102), (241, 76, 76), (35, 209, 139), (245, 245, 67),
    (59, 142, 234), (214, 112, 214), (41, 184, 219), (255, 255, 255),
]
FG, BG = (220, 220, 220), (24, 24, 28)


def xterm256(n):
    if n < 16:
        return PALETTE[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + (n - 232) * 10
    return (v, v, v)


def main():
    src, out, cols, rows = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    font_path = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
    bold_path = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
    size = 15
    font = ImageFont.truetype(font_path, size)
    bold = ImageFont.truetype(bold_path, size)
    # The mono face has no Braille block (the spinner); DejaVu Sans does.
    braille = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", size)
    cw = round(font.getlength("M"))
    ch = size + 4
    img = Image.new("RGB", (cols * cw + 16, rows * ch + 16), BG)
    draw = ImageDraw.Draw(img)
    text = open(src, encoding="utf-8", errors="replace").read()
    for y, line in enumerate(text.split("\n")[:rows]):
        fg, bg, is_bold, underline, reverse = FG, None, False, False, False
        x = 0
        for token in re.split(r"(\x1b\[[0-9;]*m)", line):
            if token.startswith("\x1b["):
                codes = [int(c) if c else 0 for c in token[2:-1].split(";")]
                i = 0
                while i < len(codes):
                    c = codes[i]
                    if c == 0:
                        fg, bg, is_bold, underline, reverse = FG, None, False, False, False
                    elif c == 1:
                        is_bold = True
                    elif c == 22:
                        is_bold = False
                    elif c == 4:
                        underline = True
                    elif c == 24:
                        underline = False
                    elif c == 7:
                        reverse = True
                    elif c == 27:
                        reverse = False
                    elif 30 <= c <= 37:
                        fg = PALETTE[c - 30]
                    elif 90 <= c <= 97:
                        fg = PALETTE[c - 90 + 8]
                    elif c == 39:
                        fg = FG
                    elif 40 <= c <= 47:
                        bg = PALETTE[c - 40]
                    elif 100 <= c <= 107:
                        bg = PALETTE[c - 100 + 8]
                    elif c == 49:
                        bg = None
                    elif c in (38, 48) and i + 2 < len(codes) and codes[i + 1] == 5:
                        colour = xterm256(codes[i + 2])
                        if c == 38:
                            fg = colour
                        else:
                            bg = colour
                        i += 2
                    elif c in (38, 48) and i + 4 < len(codes) and codes[i + 1] == 2:
                        colour = tuple(codes[i + 2:i + 5])
                        if c == 38:
                            fg = colour
                        else:
                            bg = colour
                        i += 4
                    i += 1
                continue
            for char in token:
                if x >= cols:
                    break
                f, b = (bg or BG, fg) if reverse else (fg, bg)
                px, py = 8 + x * cw, 8 + y * ch
                if b is not None:
                    draw.rectangle([px, py, px + cw - 1, py + ch - 1], fill=b)
                face = braille if 0x2800 <= ord(char) <= 0x28FF else (bold if is_bold else font)
                draw.text((px, py + 1), char, font=face, fill=f)
                if underline:
                    draw.line([px, py + ch - 2, px + cw - 1, py + ch - 2], fill=f)
                x += 1
    img.save(out)


if __name__ == "__main__":
    main()
