"""The ``porchside_page_sections`` hook: plugins' sections at the end of core's visit, Service history and job pages."""

from __future__ import annotations

import logging
import re
import types
from dataclasses import replace

import pytest

from core import hookimpl
from core.console.testing import sign_in_staff
from core.plugin_state import set_enabled
from core.plugins import PluginError, PluginHost
from tenants.context import use_tenant
from tenants.service import create_tenant
from tests.plugins import sections

SECTION = re.compile(r'<section aria-labelledby="section-([a-z_]+)-title" class="card page-section" id="section-\1">.*?</section>', re.S)


@pytest.fixture
async def sections_app(make_app):
    sections.loaded.clear()
    async with make_app(plugins=[("sections", sections)], load_entry_points=False) as started:
        yield started


async def html_of(client, path: str, status: int = 200) -> str:
    response = await client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return await response.get_data(as_text=True)


def shown(html: str) -> dict[str, str]:
    """Section id -> its HTML, in page order."""
    return {m.group(1): m.group(0) for m in SECTION.finditer(html)}


async def pool(tenant, make_customer, make_job, make_visit, name: str, summary: str):
    account = await make_customer(tenant, name, emails=["pat@example.com"])
    job = await make_job(account, title=f"Pool care for {name}", status="completed", days=-3)
    visit = await make_visit(job, days_ago=3, summary=summary)
    return account, job, visit


async def test_page_sections_show_on_portal_and_console_pages(sections_app, client_for, make_customer, make_job, make_visit, caplog):
    """porchside_page_sections: each page draws its sections from the plugin's template with what load() returned;
    a failing load is logged and left out; console sections follow their permission. porchside_console_actions: the visit target."""
    acme = await create_tenant("acme", "Acme Pool Care")
    _, job, visit = await pool(acme, make_customer, make_job, make_visit, "Pat Morgan", "Chlorine balanced")
    pat = client_for(acme, sections_app)
    await pat.sign_in_as("pat@example.com")

    with caplog.at_level(logging.ERROR, logger="porchside.plugins"):
        page = await html_of(pat, f"/service-history/{visit.public_id}")
    found = shown(page)
    assert list(found) == ["pool_log"]  # "broken" (order 10) raised and is left out; the page still renders
    assert "Log of Pat Morgan: Chlorine balanced (Pool care for Pat Morgan)" in found["pool_log"]
    assert '<h2 id="section-pool_log-title">Pool log</h2>' in found["pool_log"]
    assert page.index("Technician's notes") < page.index('id="section-pool_log"')  # after core's content
    head = page.split("</head>")[0]
    assert '<link rel="stylesheet" href="/plugin-static/sections/sections.css">' in head
    assert any("plugin sections failed in load of page section 'broken'" in r.getMessage() for r in caplog.records)

    history = shown(await html_of(pat, "/service-history"))
    assert list(history) == ["dates_shown"] and "Dates for Pat Morgan:" in history["dates_shown"]
    # A range the page refuses is not passed to the plugins.
    sections.loaded.clear()
    refused = await html_of(pat, "/service-history?from=2025-05-01&to=2025-01-01")
    assert shown(refused) == {} and not [c for c in sections.loaded if c[0] == "dates_shown"]

    office = client_for(acme, sections_app)
    await sign_in_staff(office, "owner@acme.test", role="owner")
    console_visit = await html_of(office, f"/console/visits/{visit.public_id}")
    assert "Staff log of Pat Morgan: Chlorine balanced, seen by owner@acme.test" in shown(console_visit)["staff_visit"]
    assert f'href="/console/visits/{visit.public_id}#resend" data-action="resend_log">Resend the pool log</a>' in console_visit
    assert "Payment notes of Pool care for Pat Morgan" in shown(await html_of(office, f"/console/jobs/{job.public_id}"))["pay_notes"]

    # The staff role lacks "money": no Payment notes (and its load is not called), but the visit's section shows.
    tech = client_for(acme, sections_app)
    await sign_in_staff(tech, "tyler@acme.test", role="staff")
    sections.loaded.clear()
    assert shown(await html_of(tech, f"/console/jobs/{job.public_id}")) == {}
    assert not [c for c in sections.loaded if c[0] == "pay_notes"]
    assert list(shown(await html_of(tech, f"/console/visits/{visit.public_id}"))) == ["staff_visit"]


async def test_page_sections_keep_to_their_tenant_and_leave_when_disabled(sections_app, client_for, make_customer, make_job, make_visit):
    """porchside_page_sections: a section loads the viewer's tenant's data only; another tenant's visit is a 404;
    a tenant that disabled the plugin gets core's pages without its sections, and its loaders are never called."""
    acme = await create_tenant("acme", "Acme Pool Care")
    globex = await create_tenant("globex", "Globex Pools")
    _, _, acme_visit = await pool(acme, make_customer, make_job, make_visit, "Pat at Acme", "Acme summary")
    _, globex_job, globex_visit = await pool(globex, make_customer, make_job, make_visit, "Pat at Globex", "Globex summary")
    at_acme, at_globex = client_for(acme, sections_app), client_for(globex, sections_app)
    await at_acme.sign_in_as("pat@example.com")
    await at_globex.sign_in_as("pat@example.com")

    theirs = shown(await html_of(at_globex, f"/service-history/{globex_visit.public_id}"))["pool_log"]
    assert "Globex summary" in theirs and "Acme" not in theirs
    await html_of(at_globex, f"/service-history/{acme_visit.public_id}", 404)
    staff = client_for(globex, sections_app)
    await sign_in_staff(staff, "owen@globex.test", role="owner")
    await html_of(staff, f"/console/visits/{acme_visit.public_id}", 404)
    assert "Acme" not in shown(await html_of(staff, f"/console/visits/{globex_visit.public_id}"))["staff_visit"]

    services = sections_app.extensions["porchside"]
    with use_tenant(globex):
        await set_enabled("sections", False, services.plugins, services.cache)
    sections.loaded.clear()
    page = await html_of(at_globex, f"/service-history/{globex_visit.public_id}")
    assert shown(page) == {} and "Globex summary" in page and "sections.css" not in page
    assert shown(await html_of(at_globex, "/service-history")) == {}
    console_visit = await html_of(staff, f"/console/visits/{globex_visit.public_id}")
    assert shown(console_visit) == {} and "Resend the pool log" not in console_visit
    assert shown(await html_of(staff, f"/console/jobs/{globex_job.public_id}")) == {}
    assert [c for c in sections.loaded if c[1] == "globex"] == []
    # Still on at acme.
    assert list(shown(await html_of(at_acme, f"/service-history/{acme_visit.public_id}"))) == ["pool_log"]
    assert [c[1] for c in sections.loaded] == ["acme"]


async def test_a_section_whose_load_returns_none_is_left_out(sections_app, client_for, make_customer, make_job, make_visit):
    """porchside_page_sections: load() returning None shows no section, not an empty card."""
    acme = await create_tenant("acme", "Acme Pool Care")
    _, _, visit = await pool(acme, make_customer, make_job, make_visit, "Pat Morgan", "nothing to say")
    pat = client_for(acme, sections_app)
    await pat.sign_in_as("pat@example.com")
    page = await html_of(pat, f"/service-history/{visit.public_id}")
    assert shown(page) == {} and "sections.css" not in page


def _with_sections(*records):
    @hookimpl
    def porchside_page_sections():
        return list(records)

    return types.SimpleNamespace(porchside_page_sections=porchside_page_sections, porchside_static_dirs=sections.porchside_static_dirs)


def test_page_sections_are_checked_at_start_up():
    """porchside_page_sections: an unknown page or permission, a stylesheet outside the plugin's static folders
    or a duplicate id stops start-up."""
    good = sections.porchside_page_sections()[0]
    cases = [
        (replace(good, page="portal_home"), "has page 'portal_home'; use one of portal_visit"),
        (replace(good, permission="superuser"), "needs permission 'superuser', which does not exist"),
        (replace(good, stylesheets=("elsewhere/x.css",)), "stylesheet 'elsewhere/x.css' must be"),
        (replace(good, stylesheets=("sections.css",)), "stylesheet 'sections.css' must be"),
    ]
    for record, message in cases:
        with pytest.raises(PluginError, match=re.escape(message)):
            PluginHost().load(extra=[("bad", _with_sections(record))], load_entry_points=False)
    with pytest.raises(PluginError, match="duplicate page section id 'pool_log'"):
        PluginHost().load(extra=[("bad", _with_sections(good, replace(good, page="console_visit")))], load_entry_points=False)
    host = PluginHost().load(extra=[("sections", sections)], load_entry_points=False)
    assert [d.record.id for d in host.declared.page_sections] == ["broken", "pool_log", "dates_shown", "pay_notes", "staff_visit"]
