"""Accessibility checks of the browser tests: axe-core (installed by ``make install`` from the npm
registry into tests/browser/node_modules, injected from that file, never fetched at run time),
visible keyboard focus, and the page fitting a phone and a 200 % zoom without sideways scrolling.

``sweep(page, name, shot)`` is what a test calls on each page it opens: axe at WCAG 2.2 AA, then a
screenshot at desktop width, then the 320 px phone and the 1280 px window at 200 % zoom (640 CSS
pixels) without horizontal scrolling, with a phone screenshot; the viewport is put back after.
"""
from __future__ import annotations

from pathlib import Path

from helpers_patient import contrast, rgb

AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 320, "height": 640}
ZOOM_200 = {"width": 640, "height": 450}  # a 1280×900 window at 200 % zoom, in CSS pixels

RUN_AXE = """async (tags) => {
  // target-size (2.5.8, WCAG 2.2 AA) is off by default in axe: turned on explicitly.
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                          rules: {"target-size": {enabled: true}},
                                          resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(" ") + " — " + (n.failureSummary || "")
                                                           .replace(/\\s+/g, " "))}));
}"""

FOCUS_STYLE = r"""() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const s = getComputedStyle(e);
  // The colour the focus ring is drawn against: the first opaque background around the element.
  let around = e.parentElement, behind = "rgb(255, 255, 255)";
  while (around) {
    const bg = getComputedStyle(around).backgroundColor;
    if (bg && bg !== "transparent" && !/rgba\(.*, 0\)$/.test(bg)) { behind = bg; break; }
    around = around.parentElement;
  }
  return {tag: e.tagName, id: e.id, text: (e.innerText || e.value || "").trim().slice(0, 40),
          outline: s.outlineStyle === "none" ? "none" : s.outlineWidth + " " + s.outlineStyle,
          outlineColor: s.outlineColor, boxShadow: s.boxShadow, behind: behind};
}"""


def axe_violations(page) -> list[dict]:
    if not AXE_JS.exists():
        raise AssertionError(f"axe-core is not installed at {AXE_JS}: run `make install`")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(RUN_AXE, WCAG_22_AA)


def assert_accessible(page, name: str) -> None:
    """0 axe violations at WCAG 2.2 AA; the message lists each rule and the elements it hit."""
    found = axe_violations(page)
    report = "\n".join(f"  {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"])
                       for v in found)
    assert not found, f"axe found {len(found)} WCAG 2.2 AA violation(s) on {name} " \
                      f"({page.url}):\n{report}"


def scroll_overflow(page) -> int:
    """How many CSS pixels the page would scroll sideways (0 when it fits)."""
    return page.evaluate("document.scrollingElement.scrollWidth"
                         " - document.scrollingElement.clientWidth")


def assert_fits(page, name: str, viewport: dict) -> None:
    page.set_viewport_size(viewport)
    overflow = scroll_overflow(page)
    assert overflow <= 0, (f"{name} scrolls sideways by {overflow}px at {viewport['width']} CSS px "
                           f"({page.url})")


def sweep(page, name: str, shot) -> None:
    """axe, then the phone and 200 % zoom widths, with screenshots at desktop and phone width."""
    size = page.viewport_size or DESKTOP
    try:
        page.set_viewport_size(DESKTOP)
        assert_accessible(page, name)
        shot(page, f"a11y-{name}-desktop")
        assert_fits(page, name, ZOOM_200)
        assert_fits(page, name, PHONE)
        assert_accessible(page, f"{name} at 320 px")
        shot(page, f"a11y-{name}-320")
    finally:
        page.set_viewport_size(size)


def walk(page, shot, steps) -> None:
    """Sweep a run of pages: each step is (name, what to click or a URL to open, what shows that
    the page is there)."""
    for name, action, ready in steps:
        if action.startswith("http"):
            page.goto(action)
        elif action:
            page.click(action)
        page.wait_for_selector(ready)
        sweep(page, name, shot)


def focus_style(page) -> dict | None:
    return page.evaluate(FOCUS_STYLE)


def assert_focus_visible(page) -> dict:
    """The focused element draws an outline or a box shadow (a visible focus indicator), and an
    outline contrasts at least 3:1 with what is around it (WCAG 1.4.11)."""
    style = focus_style(page)
    assert style, "nothing has the keyboard focus"
    assert style["outline"] != "none" or style["boxShadow"] not in ("none", ""), \
        f"the focused element shows no focus indicator: {style}"
    if style["outline"] != "none":
        ratio = contrast(rgb(style["outlineColor"]), rgb(style["behind"]))
        assert ratio >= 3, f"the focus outline contrasts only {ratio:.1f}:1: {style}"
    return style


def tab_to(page, selector: str, *, limit: int = 80, key: str = "Tab") -> dict:
    """Press Tab until the focus is on ``selector``; every element passed on the way shows its
    focus. The focused element's style is returned."""
    for _ in range(limit):
        page.keyboard.press(key)
        style = assert_focus_visible(page)
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return style
    raise AssertionError(f"{limit} presses of {key} never reached {selector} ({page.url})")
