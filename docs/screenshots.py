"""Regenerate the portal screenshots in docs/screenshots/ (used by docs/portal.md).

    python docs/screenshots.py               # every page
    python docs/screenshots.py home invoice  # just these pages

Starts ``porchside demo`` on a free port with a fresh data folder, signs in
as Pat Morgan (``pat@example.com``) by the emailed link in each demo business,
and saves every page of ``tests/browser/portal_pages.py`` at desktop width
(1280 px) and phone width (360 px): ``<page>-desktop.png`` and
``<page>-phone.png`` from Sunny Pools (or the business whose data has the
page), ``pipeworks-<page>-...`` for the few pages shown from Pipeworks
Plumbing too. Needs what the browser suite needs:
Debian's Chromium and ``npm install``. The images are cut at a readable
height and reduced to 256 colours to keep the repository small.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from tests.browser.chromium import DESKTOP, PHONE, launch, missing_tools  # noqa: E402
from tests.browser.demo_server import DemoServer  # noqa: E402
from tests.browser.portal_browser import PortalBrowser  # noqa: E402
from tests.browser.portal_pages import DEMO_EMAIL, PAGES, DemoTenant, PortalPage, walk  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
# The second business is shown on a few pages only: its brand and its data.
ALSO_FROM_SECOND_TENANT = ("home", "invoice")
MAX_HEIGHT = {"desktop": 1600, "phone": 2000}


def shoot(portal: PortalBrowser, tenant: DemoTenant, page_record: PortalPage, prefix: str) -> list[Path]:
    """Save one page at both widths; return the files written."""
    page = portal.context(tenant, DEMO_EMAIL if page_record.signed_in else None).new_page()
    written = []
    try:
        path = portal.path_of(tenant, page_record)
        for width_name, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            response = page.goto(portal.server.url(tenant.slug, path))
            if response is None or response.status != 200:
                raise SystemExit(f"{tenant.slug} {path} answered {response and response.status}")
            height = min(page.evaluate("() => document.documentElement.scrollHeight"), MAX_HEIGHT[width_name])
            target = OUT / f"{prefix}{page_record.name}-{width_name}.png"
            page.screenshot(
                path=str(target),
                full_page=True,
                clip={"x": 0, "y": 0, "width": size["width"], "height": height},
                animations="disabled",
                caret="hide",
            )
            shrink(target)
            written.append(target)
    finally:
        page.close()
    return written


def shrink(path: Path) -> None:
    """256 colours: a page of text and flat colour loses nothing visible."""
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="*", help="page names (default: all): " + ", ".join(p.name for p in PAGES))
    args = parser.parse_args(argv)
    unknown = set(args.pages) - {p.name for p in PAGES}
    if unknown:
        parser.error(f"unknown page {', '.join(sorted(unknown))}")
    reason = missing_tools()
    if reason:
        print(f"screenshots: {reason}", file=sys.stderr)
        return 1
    wanted = [p for p in PAGES if not args.pages or p.name in args.pages]
    OUT.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="porchside-screenshots-") as data_dir:
        with DemoServer(Path(data_dir)) as server, sync_playwright() as playwright:
            browser = launch(playwright)
            portal = PortalBrowser(browser, server, states={})
            try:
                for record in wanted:
                    # The first business that has the page, then the others if asked.
                    first, *others = [t for t, r in walk([record])]
                    shots = [(first, "")]
                    if record.name in ALSO_FROM_SECOND_TENANT:
                        shots += [(tenant, f"{tenant.slug}-") for tenant in others]
                    for tenant, prefix in shots:
                        for target in shoot(portal, tenant, record, prefix):
                            print(target.relative_to(ROOT))
            finally:
                portal.close()
                browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
