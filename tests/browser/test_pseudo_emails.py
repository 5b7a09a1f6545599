"""Every email in the pseudo-language: nothing left in English, nothing wider than a phone (issue 17).

Each email template of core and the built-in plugins is rendered by the real
mail renderer (:func:`core.mail.render.render_email`) for a recipient
reading the pseudo-language ``xx`` (:mod:`core.i18n_pseudo`), with the values
its sender passes. Its subject, text and HTML may show no plain English word
other than those values (names, numbers, addresses), and its HTML, opened in
Chromium at 360 px, must not scroll sideways. A new email template without a
case here fails :func:`test_every_email_template_is_checked`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from html import unescape
from zoneinfo import ZoneInfo
from pathlib import Path
from types import SimpleNamespace as Values

import pytest
from babel.support import LazyProxy

from core.i18n_pseudo import PSEUDO_LANGUAGE
from core.mail.render import render_email
from core.notifications import kind_label
from plugins.marketing.messages.notify import about
from plugins.payments.declines import decline_reason
from tests.browser.chromium import CHROMIUM, LAUNCH_ARGS, missing_tools
from tests.browser.page_checks import calendar_words, plain_words

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 2, 17, 30, tzinfo=timezone.utc)
INVOICE = Values(number="INV-1042", total_minor=18_500, currency="USD", due_on=date(2026, 12, 30), memo="", balance_minor=9_000)
REVISION = Values(number=2, title="Pool resurfacing", total_minor=420_000, currency="USD", valid_until=date(2027, 1, 15),
                  notes="", signature_name="Pat Morgan", decided_at=NOW)


class Wording:
    """A business's own invite text (sent as written, in any language)."""

    def html(self, context) -> str:
        return "<p>Zażółć gęślą jaźń</p>"

    def text(self) -> str:
        return "Zażółć gęślą jaźń"

    def subject(self) -> str:
        return "Ŵéłçóɱé"


# Each email template (emails/<name>) and the values its sender gives it.
CASES: dict[str, dict] = {
    "test": dict(name="Pat", path="/"),
    "auth/invite": dict(words=Wording(), purpose="invite", url="https://x.test/l", expires_at=NOW),
    "auth/reset_password": dict(url="https://x.test/l", expires_at=NOW),
    "auth/sign_in_link": dict(url="https://x.test/l", expires_at=NOW, invite=False, purpose="sign_in"),
    "console/invoice_issued": dict(invoice=INVOICE, account=Values(name="Pat Morgan"), job=Values(number="J-7", title="Leak"),
                                   first_name="Pat", url="https://x.test/i"),
    "console/notification": dict(notification=Values(title="Q-1001", body="INV-1042"), staff=Values(name="Sam"),
                                 kind_label=LazyProxy(kind_label, "payment.received", enable_cache=False), open_path="/console/"),
    "console/staff_invite": dict(staff=Values(name="Sam", role="admin"), invited_by="Maria", url="https://x.test/s", expires_at=NOW),
    "console/staff_reset": dict(staff=Values(name="Sam"), url="https://x.test/s", expires_at=NOW),
    "console/webhook_disabled": dict(name="Sam", endpoint=Values(url="https://hooks.x.test/in"), reason="HTTP 500",
                                     url="https://x.test/w"),
    "quotes/sent": dict(quote=Values(number="Q-1001"), revision=REVISION, account=Values(name="Pat Morgan"), first_name="Pat",
                        url="https://x.test/q"),
    "quotes/confirmation": dict(quote=Values(number="Q-1001"), revision=REVISION, account=Values(name="Pat Morgan"), kind="approved",
                                message="Merci", url="https://x.test/q"),
    "payments/receipt": dict(invoice=INVOICE, account=Values(name="Pat Morgan"),
                             payment=Values(amount_minor=9_500, currency="USD", received_at=NOW, card_brand="visa", card_last4="4242"),
                             attempt=Values(public_id="pa_1"), autopay=True, first_name="Pat", url="https://x.test/p"),
    "payments/autopay_problem": dict(invoices=[INVOICE], needs_action=False, account=Values(name="Pat Morgan"),
                                     attempt=Values(failure_code="insufficient_funds", failure_message="Your card has insufficient funds."),
                                     reason=LazyProxy(decline_reason, "insufficient_funds", "Your card has insufficient funds.", enable_cache=False),
                                     first_name="Pat", url="https://x.test/p"),
    "marketing/messages_new": dict(thread=Values(subject=""), job=Values(number="J-7", title="Ĺéáķ~"),
                                   message=Values(author_name="Maria", body="Ŵé~ ĉáñ~"), first_name="Pat", pictures=2, url="https://x.test/m",
                                   about=LazyProxy(about, Values(subject=""), Values(number="J-7", title="Ĺéáķ~"), enable_cache=False)),
    "marketing/requests_update": dict(kind="scheduled", request=Values(what="Ƒéñçé~"), account=Values(name="Pat Morgan"),
                                      job=Values(number="J-8"), message="Óķ~", url="https://x.test/r"),
}
NAMES = {"Porchside", "AutoPay", "Stripe", "PDF", "Visa", "HTTP", "AM", "PM", "USD"}


def email_templates() -> set[str]:
    """``auth/sign_in_link`` and so on: every email of core and the built-in plugins."""
    found = set()
    for folder in [ROOT / "core" / "templates" / "emails", *(ROOT / "plugins").glob("*/templates/emails")]:
        for path in folder.rglob("*.txt"):
            name = path.relative_to(folder).with_suffix("").as_posix()
            if path.name != "layout.txt" and path.with_suffix(".html").exists():
                found.add(name)
    return found


def data_words(value, seen=None) -> set[str]:
    """Every word the sender's values hold (they are data, shown as given)."""
    words: set[str] = set()
    if isinstance(value, str):
        return set(re.findall(r"[A-Za-z]{2,}", value))
    if isinstance(value, dict):
        for item in value.values():
            words |= data_words(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            words |= data_words(item)
    elif isinstance(value, Values) and not isinstance(value, LazyProxy):
        words |= data_words(vars(value))
    return words


def visible_html_text(html: str) -> str:
    html = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.S)
    attributes = " ".join(re.findall(r'\b(?:alt|title|aria-label)="([^"]*)"', html))
    return unescape(re.sub(r"<[^>]+>", " ", html) + " " + attributes)


def test_every_email_template_is_checked():
    assert email_templates() == set(CASES), "add the new email to CASES with the values its sender passes"


# Rendering does not depend on the database: once, on the embedded default.
@pytest.mark.parametrize("porchside_backend", ["sqlite"], indirect=True)
async def test_every_email_reads_in_the_pseudo_language_and_fits_a_phone(app, tenant):
    reason = missing_tools()
    if reason:
        from core.testing import _unavailable

        _unavailable(reason)
    from playwright.async_api import async_playwright

    services = app.extensions["porchside"]
    tenant_words = set(re.findall(r"[A-Za-z]{2,}", " ".join(
        str(getattr(tenant, f) or "") for f in ("name", "slug", "contact_email", "contact_phone", "contact_address", "contact_hours", "website")
    )))
    # Dates are Babel's in the business's locale; times name the business's zone (EST, EDT).
    zone = ZoneInfo(tenant.timezone)
    tenant_words |= calendar_words() | {datetime(2026, month, 1, tzinfo=zone).tzname() for month in (1, 7)}
    problems: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        page = await browser.new_page(viewport={"width": 360, "height": 740})
        for name, values in sorted(CASES.items()):
            email = await render_email(services, tenant, name, values, "pat@example.com", language=PSEUDO_LANGUAGE)
            allowed = data_words(values) | tenant_words | NAMES | {"pat", "example", "com"}
            for part, text in (("subject", email.subject), ("text", email.text), ("html", visible_html_text(email.html))):
                left = plain_words(text, allowed)
                if left:
                    problems.append(f"{name} ({part}): English left: {' '.join(left)}")
            await page.set_content(email.html)
            extra = await page.evaluate("() => document.scrollingElement.scrollWidth - document.documentElement.clientWidth")
            if extra > 1:
                problems.append(f"{name}: at 360 px the HTML scrolls sideways by {extra} px")
        await browser.close()
    assert not problems, "\n".join(problems)
