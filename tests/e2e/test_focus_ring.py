"""The keyboard focus ring stands out (3:1 or more) from whatever surrounds it (WCAG 2.2)."""

import pytest

from tests.conftest import build_tree
from tests.e2e.layout import PHONE

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# The focused element's outline and its contrast with the background around it: the nearest
# ancestor's opaque colour, or every opaque stop of its gradient (the home page's hero).
FOCUS_RING = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const colours = (text) => (text.match(/rgba?\\([^)]*\\)/g) || [])
        .map((c) => c.match(/[\\d.]+/g).map(Number))
        .filter((c) => c.length < 4 || c[3] === 1);
    const luminance = ([r, g, b]) => {
        const f = (c) => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const contrast = (a, b) => {
        const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
        return (hi + 0.05) / (lo + 0.05);
    };
    let around = [];
    for (let node = el.parentElement; node && !around.length; node = node.parentElement) {
        const style = getComputedStyle(node);
        around = colours(style.backgroundColor);
        if (style.backgroundImage.includes("gradient")) around = around.concat(colours(style.backgroundImage));
    }
    const style = getComputedStyle(el);
    const ring = colours(style.outlineColor)[0];
    return {
        element: el.outerHTML.slice(0, 90),
        style: style.outlineStyle,
        width: parseFloat(style.outlineWidth),
        contrast: ring ? Math.min(...around.map((c) => contrast(ring, c))) : 0,
    };
}"""


def focus_rings(page, limit: int = 40) -> list[dict]:
    rings = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_RING)
        if ring is None or (rings and ring["element"] == rings[0]["element"]):
            break
        rings.append(ring)
    return rings


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_every_focus_ring_on_the_home_page_has_at_least_3_to_1_contrast(page, viewport):
    build_tree(lessons=1)
    if viewport:
        page.set_viewport_size(viewport)
    page.goto("/")
    rings = focus_rings(page)
    assert len(rings) >= 6, rings
    assert any('class="hero' in r["element"] or "button--large" in r["element"] for r in rings)
    weak = [r for r in rings if r["style"] == "none" or r["width"] < 2 or r["contrast"] < 3]
    assert weak == [], "focus rings that are hard to see"
