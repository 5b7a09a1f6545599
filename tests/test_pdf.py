"""The shared PDF machinery (core/pdf.py): branding, no fetching, threads, pages, downloads."""

from __future__ import annotations

import asyncio
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from core.mail.render import brand_colours
from core.pdf import html_to_pdf, pdf_response, render_pdf, render_pdf_html
from core.portal.invoices import load_document
from tenants.context import use_tenant
from tests.portal_data import PortalData, pdf_images, pdf_pages, pdf_text, png_bytes


@pytest.fixture
def services(app):
    return app.extensions["porchside"]


@pytest.fixture
async def invoice_doc(app, tenant, make_customer):
    """``await invoice_doc(lines=...)`` -> an InvoiceDocument of a new open invoice."""
    account = await make_customer(tenant, "Pat Doe", emails=["pat@example.com"])
    data = PortalData(app, tenant)

    async def factory(lines=(("Pool opening", 2000, 8500),), **kwargs):
        invoice = await data.invoice(account, lines=lines, **kwargs)
        with use_tenant(tenant):
            return await load_document(account, invoice.public_id, tenant)

    return factory


async def set_logo(services, tenant, data: bytes, name: str = "logo.png") -> None:
    with use_tenant(tenant):
        tenant.logo_path = await services.storage.save(data, name)
    await tenant.save()


async def test_pdf_carries_the_tenants_branding_without_a_request(services, tenant, invoice_doc):
    tenant.contact_address = "1 Main Street\nSpringfield, IL"
    tenant.website = "https://acme.example"
    tenant.brand_colour = "#f5a623"  # too light for text: darkened, as on pages and emails
    await tenant.save()
    await set_logo(services, tenant, png_bytes((120, 40)))
    doc = await invoice_doc()
    context = {"doc": doc, "job_url": None}
    # No request context here: a background task renders the same document.
    with use_tenant(tenant):
        pdf = await render_pdf(services, tenant, "pdf/invoice.html", context)
        html = await render_pdf_html(services, tenant, "pdf/invoice.html", context)
    text = pdf_text(pdf)
    for expected in ("Acme Pool Care", "1 Main Street", "Springfield, IL", "555-0100", "office@acme.test", "https://acme.example"):
        assert expected in text
    assert f"Invoice {doc.invoice.number}" in text and "$170.00" in text and "Page 1 of 1" in text
    assert pdf_images(pdf) == 1
    assert f"--brand: {brand_colours(tenant)['colour']};" in html and brand_colours(tenant)["colour"] != "#f5a623"
    assert 'src="data:image/png;base64,' in html


@pytest.mark.parametrize("logo", [b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"not an image", None])
async def test_a_logo_that_is_not_a_png_or_jpeg_or_is_gone_is_left_out(services, tenant, invoice_doc, logo):
    if logo is None:
        tenant.logo_path = f"{tenant.id}/missing/logo.png"
        await tenant.save()
    else:
        await set_logo(services, tenant, logo, "logo.svg")
    doc = await invoice_doc()
    with use_tenant(tenant):
        pdf = await render_pdf(services, tenant, "pdf/invoice.html", {"doc": doc, "job_url": None})
    assert pdf_images(pdf) == 0 and "Acme Pool Care" in pdf_text(pdf)


async def test_pdf_follows_the_tenants_locale_and_currency(services, tenant, invoice_doc):
    tenant.locale, tenant.currency = "fr_FR", "EUR"
    await tenant.save()
    doc = await invoice_doc(lines=(("Ouverture", 1500, 123456),))
    with use_tenant(tenant):
        text = pdf_text(await render_pdf(services, tenant, "pdf/invoice.html", {"doc": doc, "job_url": None}))
    assert "1 851,84 €" in text.replace("\u202f", " ").replace("\xa0", " ")
    assert "1,5" in text  # the quantity, French style


async def test_long_documents_break_into_numbered_pages_with_their_headers(services, tenant, invoice_doc):
    doc = await invoice_doc(lines=[(f"Chemical dose {n}", 1000, 1000 + n) for n in range(70)])
    with use_tenant(tenant):
        pdf = await render_pdf(services, tenant, "pdf/invoice.html", {"doc": doc, "job_url": None})
    pages = pdf_pages(pdf)
    assert pages >= 2
    text = pdf_text(pdf).split("\f")
    assert f"Page 2 of {pages}" in text[1]
    assert "Description" in text[1] and "Amount" in text[1]  # the table's header repeats
    assert "Chemical dose 69" in pdf_text(pdf)


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(png_bytes())

    def log_message(self, *args) -> None:
        pass


def test_html_to_pdf_fetches_nothing_but_data_uris(tmp_path):
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    # A short poll: shutdown() waits for serve_forever to look (0.5 s by default).
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    secret = tmp_path / "secret.png"
    secret.write_bytes(png_bytes())
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        _Recorder.hits.clear()
        pdf = html_to_pdf(
            f"""<html><head><link rel="stylesheet" href="{base}/style.css">
            <style>@import url("{base}/import.css"); body {{ background: url("{base}/bg.png"); }}</style></head>
            <body><p>Hello</p><img src="{base}/pixel.png"><img src="file://{secret}"></body></html>"""
        )
    finally:
        server.shutdown()
        server.server_close()
    assert _Recorder.hits == []
    assert pdf_images(pdf) == 0 and "Hello" in pdf_text(pdf)


async def test_rendering_runs_in_a_thread_and_leaves_the_event_loop_free(services, tenant, invoice_doc):
    doc = await invoice_doc(lines=[(f"Line {n}", 1000, 100) for n in range(120)])
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.002)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    with use_tenant(tenant):
        started = ticks
        pdf = await render_pdf(services, tenant, "pdf/invoice.html", {"doc": doc, "job_url": None})
        during = ticks - started
    done.set()
    await task
    assert pdf_pages(pdf) >= 3
    # A render blocking the loop would let the ticker run once at most.
    assert during >= 5


async def test_pdf_response_is_a_private_attachment_with_a_safe_name(app):
    async with app.test_request_context("/"):
        response = pdf_response(b"%PDF-1.7 test", '../../etc/in"voice 7.pdf')
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="in-voice-7.pdf"'
    assert response.headers["Cache-Control"] == "private, no-store"
    assert await response.get_data() == b"%PDF-1.7 test"
