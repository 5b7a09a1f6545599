"""What customers see: values with In range / Low / High marks, SVG charts with their data tables, on both databases."""

from __future__ import annotations

import pytest

pytest.importorskip("porchside_readings", reason="porchside-readings is not installed: pip install ./examples/readings")

import re

from core.models.jobs import Visit
from core.plugin_state import set_enabled
from readings_testdata import PAT, add_readings, make_pool


async def page(client, path: str) -> str:
    response = await client.get(path)
    assert response.status_code == 200, path
    return await response.get_data(as_text=True)


def section(html: str) -> str:
    """The plugin's section of a page ("" when absent)."""
    found = re.search(r'<section aria-labelledby="section-readings_[a-z]+-title".*?</section>', html, re.S)
    return found.group(0) if found else ""


async def test_visit_page_shows_values_marks_and_an_accessible_chart(pat_client, pool):
    html = section(await page(pat_client, f"/service-history/{pool.visits[-1].public_id}"))
    assert "2 of 3 readings were outside the target range." in html
    text = re.sub(r"<[^>]+>", " ", html)
    text = re.sub(r"\s+", " ", text)
    # Exact values (thousandths, no float drift) with the mark in words.
    assert "Free chlorine 0.4 ppm 1–3 ppm ▼ Low" in text
    assert "pH 8.125 7.2–7.8 ▲ High" in text
    assert "Water temperature 80.5 °F — No target" in text
    # One chart per measure: an image with a title and a description, and the values as a table.
    charts = re.findall(r'<svg role="img" aria-labelledby="([^"]+)" aria-describedby="([^"]+)"', html)
    assert len(charts) == 3
    for title, desc in charts:
        assert re.search(rf'<title id="{title}">[^<]+ over time</title>', html)
        assert re.search(rf'<desc id="{desc}">[^<]+</desc>', html)
    assert "<title" in html and "<desc" in html
    assert "3 readings from" in text and "between 0.4 ppm and 2.5 ppm" in text and "1 out of range" in text
    assert html.count("<polyline") == 3
    assert html.count('class="point out-of-range"') == 2  # hollow diamonds, not colour alone
    assert "<script" not in html


async def test_a_spanish_or_french_reader_gets_the_plugins_own_translations(pat_client, pool):
    """porchside_translation_dirs: the plugin's catalogs (shipped .po files) translate its section, marks and chart texts."""
    path = f"/service-history/{pool.visits[-1].public_id}"
    response = await pat_client.get(path, headers={"Accept-Language": "es"})
    html = section(await response.get_data(as_text=True))
    assert "2 de 3 lecturas estaban fuera del rango objetivo." in html
    assert "▼ Bajo" in html and "▲ Alto" in html and "Sin objetivo" in html
    assert "Evolución de Free chlorine (ppm)" in html  # the measure's name is the business's data, kept
    assert "out of range" not in html and "Low" not in html
    response = await pat_client.get(path, headers={"Accept-Language": "fr"})
    assert "2 relevés sur 3 étaient hors de la plage cible." in section(await response.get_data(as_text=True))


async def test_service_history_charts_the_dates_shown(pat_client, pool):
    html = section(await page(pat_client, "/service-history"))
    assert "Readings over these dates" in html
    assert html.count('<figure class="reading-chart"') == 3
    assert "Free chlorine" in html and "pH" in html
    # Long ago: nothing measured then, so no section at all.
    assert section(await page(pat_client, "/service-history?from=2020-01-01&to=2020-12-31")) == ""


async def test_job_tab_lists_each_measure_over_the_jobs_visits(pat_client, pool):
    job_page = await page(pat_client, f"/jobs/{pool.job.public_id}")
    assert f'href="/jobs/{pool.job.public_id}/readings"' in job_page
    html = await page(pat_client, f"/jobs/{pool.job.public_id}/readings")
    assert html.count('<svg role="img"') == 3 and "Weekly pool service" in html


async def test_readings_of_visits_not_completed_stay_hidden(pat_client, pool, tenant, in_tenant):
    await add_readings(tenant, in_tenant, pool.upcoming, c=(pool.chlorine, 9999))
    html = await page(pat_client, "/service-history")
    assert "9.999" not in html
    assert (await pat_client.get(f"/service-history/{pool.upcoming.public_id}")).status_code == 404


async def test_other_accounts_and_tenants_see_nothing_of_it(pool, tenant, other_tenant, make_customer, in_tenant, client_for, client):
    # Another customer of the same business: 404 for Pat's visit and job tab, and no chart of Pat's values.
    await make_customer(tenant, "Lee's House", emails=["lee@example.com"])
    lee = client_for(tenant)
    await lee.sign_in_as("lee@example.com")
    assert (await lee.get(f"/service-history/{pool.visits[-1].public_id}")).status_code == 404
    assert (await lee.get(f"/jobs/{pool.job.public_id}/readings")).status_code == 404
    assert section(await page(lee, "/service-history")) == ""
    # The same address at another business: its own data only; acme's ids are 404 there.
    theirs = await make_pool(other_tenant, make_customer, in_tenant, name="Pat at Globex")
    await add_readings(other_tenant, in_tenant, theirs.visits[0], c=(theirs.chlorine, 2222))
    globex = client_for(other_tenant)
    await globex.sign_in_as(PAT)
    assert (await globex.get(f"/service-history/{pool.visits[-1].public_id}")).status_code == 404
    assert (await globex.get(f"/jobs/{pool.job.public_id}/readings")).status_code == 404
    html = section(await page(globex, "/service-history"))
    assert "2.222" in html and "0.4" not in html


async def test_a_business_that_switches_the_plugin_off_shows_core_pages_unchanged(pat_client, pool, app, tenant, in_tenant):
    services = app.extensions["porchside"]
    with in_tenant(tenant):
        await set_enabled("readings", False, services.plugins, services.cache)
    html = await page(pat_client, f"/service-history/{pool.visits[-1].public_id}")
    assert section(html) == "" and "Sam Rivera" in html
    assert section(await page(pat_client, "/service-history")) == ""
    assert (await pat_client.get(f"/jobs/{pool.job.public_id}/readings")).status_code == 404
    assert "/readings" not in await page(pat_client, f"/jobs/{pool.job.public_id}")


async def test_pages_cost_the_same_queries_however_many_readings(pat_client, pool, tenant, in_tenant, count_queries):
    async def queries(path: str) -> int:
        with count_queries() as counted:
            await page(pat_client, path)
        return counted.count

    visit_page, history = f"/service-history/{pool.visits[-1].public_id}", "/service-history"
    await queries(visit_page)  # the first request fills caches (sessions, plugin choices)
    few = (await queries(visit_page), await queries(history))
    with in_tenant(tenant):
        for n in range(8):
            extra = await Visit.create(job=pool.job, completed_at=pool.visits[0].completed_at.replace(microsecond=n + 1), technician_name="Sam")
            await add_readings(tenant, in_tenant, extra, c=(pool.chlorine, 1500 + n), p=(pool.ph, 7300))
    assert (await queries(visit_page), await queries(history)) == few
