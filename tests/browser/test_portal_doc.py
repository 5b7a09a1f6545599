"""docs/portal.md shows every walked page with its screenshots, and only existing ones.

No browser needed. When it fails after adding a page: run
``python docs/screenshots.py <name>`` and describe the page in docs/portal.md.
"""

from __future__ import annotations

import re

from tests.browser.demo_server import ROOT
from tests.browser.portal_pages import PAGES

DOC = ROOT / "docs" / "portal.md"
SHOTS = ROOT / "docs" / "screenshots"
IMAGE = re.compile(r"\]\((screenshots/[^)\s]+\.png)\)")


def referenced() -> set[str]:
    return set(IMAGE.findall(DOC.read_text()))


def test_every_page_has_both_screenshots_in_the_doc():
    images = referenced()
    missing = sorted(
        f"screenshots/{page.name}-{width}.png"
        for page in PAGES
        for width in ("desktop", "phone")
        if f"screenshots/{page.name}-{width}.png" not in images
    )
    assert not missing, f"docs/portal.md does not show: {missing}"


def test_doc_and_screenshot_folder_agree():
    images = referenced()
    on_disk = {f"screenshots/{p.name}" for p in SHOTS.glob("*.png")}
    assert not images - on_disk, f"docs/portal.md shows missing pictures: {sorted(images - on_disk)}"
    assert not on_disk - images, f"docs/screenshots/ holds pictures docs/portal.md does not show: {sorted(on_disk - images)}"
