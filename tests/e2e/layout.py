"""Where things sit on screen: the sticky header, the quiz's attempt bar, what the viewport shows."""

from __future__ import annotations

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def box(page, selector: str) -> dict:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, f"{selector} is not displayed"
    return found


def assert_attempt_bar_in_view(page) -> dict:
    """The attempt bar is wholly inside the viewport, below the header and painted on top."""
    bar = box(page, ".attempt-bar")
    height = page.viewport_size["height"]
    assert bar["y"] >= 0 and bar["y"] + bar["height"] <= height, f"attempt bar out of view: {bar}"
    header = box(page, ".site-header")
    assert header["y"] + header["height"] <= bar["y"] + 0.5, (
        f"the header ({header}) covers the attempt bar ({bar})"
    )
    centre = [bar["x"] + bar["width"] / 2, bar["y"] + bar["height"] / 2]
    assert page.evaluate(
        "([x, y]) => !!document.elementFromPoint(x, y).closest('.attempt-bar')", centre
    ), "something is painted over the attempt bar"
    return bar


def assert_lands_below_attempt_bar(page, selector: str) -> None:
    """An anchored target (error link, newly disclosed stage) is not hidden under the bar."""
    bar = assert_attempt_bar_in_view(page)
    target = box(page, selector)
    assert target["y"] >= bar["y"] + bar["height"], (
        f"{selector} ({target}) lands under the attempt bar ({bar})"
    )
    assert target["y"] < page.viewport_size["height"], f"{selector} is below the viewport"


def page_scrolls_sideways(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
