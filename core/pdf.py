"""PDF documents (invoices, statements, quotes, receipts) from HTML templates.

One library for every document: WeasyPrint lays out a template that extends
``pdf/layout.html``. That layout adds the tenant's branding (name, logo,
colour, contact details, page numbers) and ``pdf/document.css``; the
document's body is the same partial the portal page shows, so the screen,
the print view and the PDF never disagree.

Templates render in the request-free Jinja environment emails use (core's
templates plus the plugins' folders), so a background task can make the
same PDF as a request. They get ``tenant``, ``brand`` (``colour``,
``on_colour``, ``logo``: a ``data:`` URI or None) and the caller's context.

A PDF is written in the current reader's language (:mod:`core.i18n`): a
download in the language of whoever asked. A PDF attached to an email that
goes to several people is made once, in the business's language
(:func:`core.i18n.business_language`): the caller wraps it in
``with language(business_language(tenant)):``.

WeasyPrint is synchronous and CPU-bound: it runs in a worker thread, a few
documents at a time, so a PDF never blocks the event loop. Each worker
thread keeps one font configuration (WeasyPrint's fontconfig scan, about a
fifth of a small document's layout) for every document it lays out; it is
never shared between threads. It fetches nothing: only ``data:`` URIs are allowed, so a template (or text a customer
typed into it) cannot make the server request a URL.
"""

from __future__ import annotations

import asyncio
import base64
import threading
from typing import TYPE_CHECKING, Any

from quart import Response

from core.mail.render import brand_colours, mail_templates
from core.storage import StorageError, safe_filename
from tenants.context import use_tenant

if TYPE_CHECKING:
    from core.services import Services
    from tenants.models import Tenant

PDF_TYPE = "application/pdf"
# Documents laid out at once; more wait their turn rather than starve the loop's threads.
_RENDER_SLOTS = threading.BoundedSemaphore(2)
# A worker thread's FontConfiguration, reused by its next documents (see module doc).
_THREAD_FONTS = threading.local()
_IMAGE_TYPES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


async def logo_data_uri(services: "Services", tenant: "Tenant") -> str | None:
    """The tenant's logo as a ``data:`` URI, or None without a readable PNG or JPEG."""
    if not tenant.logo_path:
        return None
    with use_tenant(tenant):
        try:
            data = await services.storage.read(tenant.logo_path)
        except StorageError:
            return None
    for magic, kind in _IMAGE_TYPES:
        if data.startswith(magic):
            return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"
    return None


async def render_pdf_html(services: "Services", tenant: "Tenant", template: str, context: dict[str, Any]) -> str:
    """The HTML WeasyPrint lays out (exposed so tests can read it)."""
    brand = {**brand_colours(tenant), "logo": await logo_data_uri(services, tenant)}
    env = mail_templates(services)
    return await env.get_template(template).render_async({**context, "tenant": tenant, "brand": brand})


async def render_pdf(services: "Services", tenant: "Tenant", template: str, context: dict[str, Any]) -> bytes:
    """Render ``template`` (which extends ``pdf/layout.html``) to PDF bytes."""
    html = await render_pdf_html(services, tenant, template, context)
    return await asyncio.to_thread(html_to_pdf, html)


def html_to_pdf(html: str) -> bytes:
    """Lay out ``html`` as a PDF (blocking: call it through :func:`render_pdf`).

    Nothing is fetched but ``data:`` URIs.
    """
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # One fetcher per document: it keeps per-request state.
    fetcher = URLFetcher(allowed_protocols=("data",), allow_redirects=False, timeout=1)
    with _RENDER_SLOTS:
        return HTML(string=html, url_fetcher=fetcher).write_pdf(font_config=_thread_font_config())


def _thread_font_config():
    """This thread's WeasyPrint FontConfiguration, made on its first document.

    Pango and fontconfig objects are not safe to share between threads, so
    each thread has its own; our templates declare no ``@font-face``, so a
    document adds nothing to it that the next one would see.
    """
    config = getattr(_THREAD_FONTS, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _THREAD_FONTS.config = FontConfiguration()
    return config


def pdf_response(pdf: bytes, filename: str) -> Response:
    """A download of ``pdf`` named ``filename`` (made safe), never cached by proxies."""
    response = Response(pdf, content_type=PDF_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{safe_filename(filename)}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
