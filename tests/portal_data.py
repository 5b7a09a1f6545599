"""Portal test helpers: customer data, page helpers and fixtures shared by the portal and browser tests.

The records themselves are made by :class:`core.testing_data.RecordMaker`
(shipped, so plugins' tests get them through ``make_job``, ``make_visit``...);
``PortalData(app, tenant)`` is that builder bound to a started app, so it
stores photos and files too::

    data = PortalData(app, tenant)
    account = await make_customer(tenant, "Pat Doe", emails=["pat@example.com"])
    job = await data.job(account, title="Pool opening", charges=[("Labour", 2000, 8500)])
    everything = await data.full_account(account)   # one of each kind, shared and not

Fixtures (import them into a test module: ``from tests.portal_data import
portal_data, pat, pat_client``): ``portal_data`` builds for ``tenant``;
``pat`` is an account of ``tenant`` for pat@example.com; ``pat_client`` is
``client`` signed in as Pat. Helpers for page tests: ``page_of`` (a 200
page's HTML), ``queries_of`` (the SQL of one warm page view, for "no N+1"
assertions) and ``set_sections`` (the tenant's "Included in portal").
"""

from __future__ import annotations

from typing import Any

import pytest

from core.models.customers import CustomerAccount
from core.testing_data import AccountData, Line, RecordMaker, pdf_bytes, png_bytes  # noqa: F401 (re-exported)
from tenants.models import Tenant

PAT = "pat@example.com"


class PortalData(RecordMaker):
    """:class:`RecordMaker` for one tenant of a started app (files included)."""

    def __init__(self, app: Any, tenant: Tenant) -> None:
        super().__init__(tenant, app)


# -- for page tests -------------------------------------------------------


async def page_of(client, path: str) -> str:
    response = await client.get(path)
    assert response.status_code == 200, path
    return await response.get_data(as_text=True)


async def queries_of(client, path: str, count_queries):
    """``(statements, html)`` of one page view, after a first view warmed the caches
    (host and plugin state), so only the page's own work is counted."""
    await page_of(client, path)
    with count_queries() as counted:
        html = await page_of(client, path)
    return counted, html


async def set_sections(tenant, **sections: bool) -> None:
    """Switch sections of the tenant's \"Included in portal\" settings."""
    settings = dict(tenant.portal_settings or {})
    settings["sections"] = {**settings.get("sections", {}), **sections}
    tenant.portal_settings = settings
    await tenant.save(update_fields=["portal_settings"])


@pytest.fixture
def portal_data(app, tenant) -> PortalData:
    return PortalData(app, tenant)


@pytest.fixture
async def pat(make_customer, tenant) -> CustomerAccount:
    """Pat Doe's account at acme; pat@example.com may see invoices."""
    return await make_customer(tenant, "Pat Doe", emails=[PAT])


@pytest.fixture
async def pat_client(client, pat):
    """``client`` signed in as pat@example.com with Pat's account selected."""
    await client.sign_in_as(PAT)
    return client


# -- PDFs (poppler-utils) ---------------------------------------------------------


def pdf_text(data: bytes) -> str:
    """The text of a PDF as ``pdftotext -layout`` reads it, with runs of spaces collapsed."""
    import re
    import subprocess

    assert data.startswith(b"%PDF-"), data[:40]
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout
    return re.sub(r"[ \t]+", " ", out.decode("utf-8"))


def pdf_pages(data: bytes) -> int:
    """How many pages a PDF has (``pdfinfo``)."""
    import re
    import subprocess

    out = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


def pdf_images(data: bytes) -> int:
    """How many images a PDF draws (``pdfimages -list``)."""
    import subprocess

    out = subprocess.run(["pdfimages", "-list", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return max(len(out.strip().splitlines()) - 2, 0)  # two header lines

