"""What every page must pass in a real browser (K9, W4).

* no error in the browser console and no uncaught exception (a blocked
  script or style under our Content-Security-Policy shows up here too);
* axe-core finds no violation at all, of any impact (WCAG 2.x A/AA rules
  and axe's best practices), at 1280 and at 360 px;
* at phone width (360 px) the document does not scroll sideways
  (WCAG 1.4.10 Reflow).

axe-core is evaluated in the page through the DevTools protocol
(:func:`axe_violations`), which the portal's real CSP (``script-src
'self'``) does not govern, so the policy stays on and anything it blocks
still shows up as a console error. (A Playwright route serving axe from the
page's origin did the same at a cost: a route sends every request of the
context through Playwright, about a quarter of a page load's CPU.)
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from tests.browser.chromium import AXE_JS, DESKTOP, PHONE

# Every finding fails, whatever its impact: Lighthouse scores 100 only without any.
_AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"], iframes: false});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html, summary: n.failureSummary})),
  }));
}"""


@functools.cache
def _axe_source() -> str:
    return AXE_JS.read_text()


@dataclass
class PageWatch:
    """Collects a page's console errors and uncaught exceptions."""

    page: object
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"uncaught exception: {exc}"))

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"console error at {message.location.get('url', '?')}: {message.text}")

    def take(self) -> list[str]:
        """The errors since the last call."""
        errors, self.errors = self.errors, []
        return errors


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as it is now, of any impact."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())  # once per document: it stays for the phone's run
    return page.evaluate(_AXE_RUN)


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    at {node['target']}: {node['html'][:160]}")
            summary = " ".join((node.get("summary") or "").split())
            if summary:
                lines.append(f"      {summary[:300]}")
        if len(v["nodes"]) > 5:
            lines.append(f"    ... and {len(v['nodes']) - 5} more elements")
    return "\n".join(lines)


def sideways_overflow(page) -> tuple[int, list[str]]:
    """How many CSS pixels the document is wider than the viewport, and the elements that stick out."""
    return page.evaluate(_OVERFLOW)


_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const extra = Math.max(0, document.scrollingElement.scrollWidth - width);
  if (!extra) return [0, []];
  // A scrolling box holds its content, but not an absolutely positioned
  // element whose containing block lies outside it.
  const clipped = el => { if (["absolute", "fixed"].includes(getComputedStyle(el).position)) return false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return true; } return false; };
  // Elements past the right edge that no scrolling box holds; report the innermost.
  // Those not drawn (a closed menu's items) are left out.
  const out = new Set([...document.body.querySelectorAll("*")]
    .filter(el => el.checkVisibility() && el.getBoundingClientRect().right > width + 1 && !clipped(el)));
  return [extra, [...out].filter(el => ![...el.children].some(c => out.has(c)))
    .slice(0, 5).map(el => el.outerHTML.slice(0, 160))];
}"""


def page_problems(page, watch: PageWatch, label: str, axe: bool = True) -> list[str]:
    """Everything wrong with the loaded page, at desktop and at phone width.

    Leaves the page at desktop width. An empty list means it passes. With
    ``axe=False`` axe-core is left out (the same template already passed it
    with other data); console errors and the phone's width are still checked.
    """
    problems = [f"{label}: {error}" for error in watch.take()]
    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        if page.viewport_size != size:  # a round trip to Chromium saved: pages are loaded at desktop width
            page.set_viewport_size(size)
        violations = axe_violations(page) if axe else []
        if violations:
            problems.append(f"{label} at {name} width: axe-core found\n{format_violations(violations)}")
        if name == "phone":
            extra, culprits = sideways_overflow(page)
            if extra > 1:
                problems.append(
                    f"{label} at {size['width']} px scrolls sideways by {extra} px; sticking out: "
                    + "; ".join(culprits)
                )
    page.set_viewport_size(DESKTOP)
    problems += [f"{label}: {error}" for error in watch.take()]
    return problems


def calendar_words() -> set[str]:
    """Babel's English month and day names: the pseudo-language writes dates in the business's locale."""
    from babel import Locale

    english = Locale.parse("en_US")
    words: set[str] = set()
    for names in (english.months["format"], english.months["stand-alone"], english.days["format"], english.days["stand-alone"]):
        for width in names.values():
            for name in width.values():
                words.update(re.findall(r"[A-Za-z]{2,}", name))
    return words


# Addresses, paths and identifiers (a public id like acct_Gq-KrgG has a "_" or a digit).
_NOT_WORDS = re.compile(r"https?://\S+|\S+@\S+|\b[\w-]+(?:\.[\w-]+)+\b|/[\w/.{}<>?=&-]*|[\w-]*[_\d][\w-]*")
_PLAIN_WORD = re.compile(r"(?<![^\W\d_])[A-Za-z]{2,}(?![^\W\d_])")


def plain_words(text: str, allowed: set[str] | frozenset[str]) -> list[str]:
    """The words of ``text`` in plain unaccented letters that are not ``allowed``: in the
    pseudo-language (every letter accented) those are texts nobody translated."""
    return sorted({w for w in _PLAIN_WORD.findall(_NOT_WORDS.sub(" ", text)) if w not in allowed})
