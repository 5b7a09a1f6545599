"""A customer of Sunny Pools reads the whole portal in Spanish (issue 17, "Done when").

Pat signs in, picks Español in the footer's switcher and walks every page
of the portal (plugin tabs too): each is ``<html lang="es">`` and shows no
word that only English has, dates and times are Babel's Spanish in Phoenix
time, the invoice PDF is in Spanish, and after signing out the next sign-in
email comes in Spanish, because the choice was saved on Pat's login. Pat
switches back to English at the end, so the demo the suite shares is left
as it was.

"Only English has" is worked out from the catalogs, not from a list: a word
of the English texts that no Spanish translation uses and no stored demo
data holds.
"""

from __future__ import annotations

import re
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from core.i18n import LANGUAGE_NAMES, language, translations
from core.i18n_catalogs import po_path, read
from core.portal.formats import format_when
from tenants.models import Tenant
from tests.browser.portal_pages import (
    DEMO_EMAIL, DEMO_TENANTS, DOWNLOADS, PAGES, first_link, follow_emailed_link, outbox_emails, sign_in_by_link,
)

pytestmark = pytest.mark.browser

SUNNY = DEMO_TENANTS[0]
es = translations("es").gettext
_WORDS = re.compile(r"[A-Za-zÀ-ÿ]{3,}")


@pytest.fixture(scope="module")
def english_only_words(demo_server) -> frozenset[str]:
    """Words of the English texts that no Spanish translation and no stored data use."""
    catalog = read(po_path("es"), "es")
    english, spanish = set(), set()
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in ids:
            english.update(_WORDS.findall(re.sub(r"%\(\w+\)[sd]|<[^>]+>", " ", text)))
        for text in strings:
            spanish.update(_WORDS.findall(text))
    data = demo_server.stored_words(_WORDS.pattern)
    # The switcher names each language in itself ("English").
    return frozenset(english - spanish - data - set(LANGUAGE_NAMES.values()) - {"AutoPay", "Porchside", "Stripe", "Visa"})


def choose(page, code: str) -> None:
    page.locator("#language-switch").select_option(code)
    page.locator("form.language-switcher button[type=submit]").click()
    page.wait_for_function(f"document.documentElement.lang === {code!r}")


def english_left(page, english_only: frozenset[str]) -> list[str]:
    text = page.evaluate("() => document.title + '\\n' + document.body.innerText")
    return sorted({w for w in _WORDS.findall(text) if w in english_only})


def sign_in_in_spanish(page, server) -> None:
    """The link flow again, read in Spanish: the email and every page on the way."""
    subject = es("Your sign-in link for %(business)s") % {"business": SUNNY.name}
    seen = outbox_emails(page, server, SUNNY, DEMO_EMAIL, subject)
    page.goto(server.url(SUNNY.slug, "/sign-in"))
    assert page.locator("html").get_attribute("lang") == "es"
    form = page.get_by_role("region", name=es("Email me a sign-in link"))
    form.get_by_label(es("Email address")).fill(DEMO_EMAIL)
    form.get_by_role("button", name=es("Email me a link")).click()
    # The email is found by its Spanish subject: it was written in Pat's saved language.
    follow_emailed_link(page, server, SUNNY, DEMO_EMAIL, subject, "/sign-in/link/", seen=seen)
    page.get_by_role("button", name=es("Continue")).click()
    page.wait_for_load_state()
    if page.get_by_role("heading", name=es("Choose an account")).count():
        page.get_by_role("button", name=SUNNY.account, exact=True).click()
    page.get_by_role("heading", name=es("Welcome to %(business)s") % {"business": SUNNY.name}).wait_for()


def test_a_customer_reads_every_page_the_pdf_and_the_email_in_spanish_in_phoenix_time(portal_browser, english_only_words, tmp_path: Path):
    server = portal_browser.server
    context = portal_browser.new_context()
    page = context.new_page()
    # Addresses with ids are found first, by the suite's English contexts (they sign in by
    # the English email, which Pat's Spanish choice would change).
    pages = [p for p in PAGES if p.signed_in and p.only_in in (None, SUNNY.slug)]
    paths = [portal_browser.path_of(SUNNY, p) for p in pages]
    job_path = portal_browser.path_of(SUNNY, next(p for p in PAGES if p.name == "job"))
    pdfs = [(d, portal_browser.address(SUNNY, d.found_on)) for d in DOWNLOADS if d.suffix == ".pdf" and d.only_in in (None, SUNNY.slug)
            and d.name != "document"]  # a shared document is the business's own file
    # Each PDF is downloaded from its page while the walk is there, and the job's visit read there too.
    pdfs_on: dict[str, list] = {}
    for download, found_on in pdfs:
        pdfs_on.setdefault(found_on, []).append(download)
    walk = paths + [path for path in pdfs_on if path not in paths]
    # Times are Babel's Spanish, in the business's zone (Phoenix).
    public_id = job_path.rsplit("/", 1)[1]
    with server.database() as db:
        start, end, tenant_locale, zone = db.execute(
            "SELECT j.scheduled_start, j.scheduled_end, t.locale, t.timezone FROM job j JOIN tenant t ON t.id = j.tenant_id"
            " WHERE j.public_id = ?", (public_id,),
        ).fetchone()
    assert zone == "America/Phoenix"
    business = Tenant(locale=tenant_locale, timezone=zone)
    with language("es"):
        expected = format_when(datetime.fromisoformat(start), business, datetime.fromisoformat(end) if end else None)
    job_text = None
    sign_in_by_link(page, server, SUNNY)
    problems: list[str] = []
    try:
        choose(page, "es")
        # Every page of the portal (the plugins' tabs are pages too).
        for path in walk:
            response = page.goto(server.url(SUNNY.slug, path))
            if response is None or response.status != 200:
                problems.append(f"{path}: answered {response and response.status}")
                continue
            if page.locator("html").get_attribute("lang") != "es":
                problems.append(f"{path}: not in Spanish (lang={page.locator('html').get_attribute('lang')})")
            left = english_left(page, english_only_words)
            if left:
                problems.append(f"{path}: English words: {' '.join(left)}")
            if path == job_path:
                job_text = page.locator("main").inner_text()
            # The PDFs (invoice, statement, quote) are written in Spanish.
            for download in pdfs_on.get(path, ()):
                href = first_link(page, download.link)
                with page.expect_download() as started:
                    page.locator(f'a[href="{href}"]').first.click()
                pdf = tmp_path / f"{download.name}.pdf"
                started.value.save_as(pdf)
                text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
                assert es("Page %(page)s of %(pages)s") % {"page": 1, "pages": text.count("\f") or 1} in text, f"{download.name}: {text[:300]}"
                left = sorted({w for w in _WORDS.findall(text) if w in english_only_words})
                if left:
                    problems.append(f"{download.name}: English words: {' '.join(left)}")
        assert job_text is not None and expected in job_text, f"{job_path} does not show {expected!r}"

        # Signed out, the next sign-in email and pages are in Spanish: the choice is on Pat's login.
        page.get_by_role("banner").get_by_role("button", name=es("Sign out")).click()
        page.wait_for_load_state()
        sign_in_in_spanish(page, server)
        assert not problems, "\n".join(problems)
    finally:
        # Leave the shared demo as it was: Pat reads English again.
        if page.locator("#language-switch").count() and page.locator("html").get_attribute("lang") != "en":
            choose(page, "en")
        context.close()
