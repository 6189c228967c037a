"""The visual system in static/css/site.css: the custom properties other parts of the site rely
on stay defined, and every text colour pair meets WCAG AA in the light theme and in the dark."""
import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[1] / "static/css/site.css").read_text()

# The names templates and every area's CSS may use (the common brief's list), and the scales.
KEPT = ("bg surface surface-2 text muted rule control link accent on-accent focus error error-bg "
        "error-border notice-bg notice-border warning-bg warning-border badge-bg badge-text "
        "radius space").split()
SCALES = [f"step-{n}" for n in ("-1", "0", "1", "2", "3", "4")] + [f"space-{n}" for n in range(1, 7)]

# Text on every background it is set on: 4.5:1. Control borders and the focus ring: 3:1.
TEXT = ([("text", b) for b in ("bg", "surface", "surface-2", "notice-bg", "info-bg", "success-bg",
                               "warning-bg", "error-bg", "pinned-bg")]
        + [("muted", b) for b in ("bg", "surface", "surface-2", "info-bg", "success-bg",
                                  "warning-bg", "error-bg")]
        + [("link", b) for b in ("bg", "surface", "surface-2", "info-bg", "success-bg",
                                 "warning-bg", "error-bg", "pinned-bg")]
        + [("error", b) for b in ("bg", "surface", "error-bg")]
        + [("on-accent", "accent"), ("on-accent", "accent-hover"), ("badge-text", "badge-bg"),
           ("accent", "bg"), ("accent", "surface"), ("bg", "text")])
LINES = ([("control", b) for b in ("bg", "surface")] + [("focus", b) for b in ("bg", "surface")]
         + [("error-border", "surface")])


def _theme(dark):
    light = CSS[CSS.index(":root {"):CSS.index("@media (prefers-color-scheme: dark)")]
    colours = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\b", light))
    if dark:
        block = CSS[CSS.index("@media (prefers-color-scheme: dark)"):CSS.index("/* 2. Base")]
        colours.update(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\b", block))
    return colours


def _contrast(a, b):
    def luminance(colour):
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_names_everyone_uses_stay_defined():
    root = CSS[CSS.index(":root {"):CSS.index("@media (prefers-color-scheme: dark)")]
    for name in KEPT + SCALES:
        assert re.search(rf"--{name}:", root), name


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_colour_pairs_meet_wcag_aa(dark):
    colours = _theme(dark)
    weak = [(a, b, round(_contrast(colours[a], colours[b]), 2)) for a, b in TEXT
            if _contrast(colours[a], colours[b]) < 4.5]
    weak += [(a, b, round(_contrast(colours[a], colours[b]), 2)) for a, b in LINES
             if _contrast(colours[a], colours[b]) < 3]
    assert weak == []
