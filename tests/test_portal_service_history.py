"""Service history (W3, D3): completed visits in a date range, notes and photo galleries."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.portal.service_history import twelve_months_back
from core.web.rendering import tenant_today
from tests.portal_data import PAT, PortalData, page_of, pat, pat_client, portal_data, queries_of, set_sections  # noqa: F401 - fixtures


def visit_ids(html: str) -> list[str]:
    """Visits of the list, in order."""
    return re.findall(r'<h2><a href="/service-history/(vis_[^"]+)">', html)


async def test_last_twelve_months_newest_first_with_notes_and_shared_photos(pat_client, pat, portal_data, tenant):
    full = await portal_data.full_account(pat)
    first, second = full.recent_visits
    html = await page_of(pat_client, "/service-history")
    assert visit_ids(html) == [second.public_id, first.public_id]
    assert full.old_visit.public_id not in html  # 400 days ago
    assert "Showing 1–2 of 2 visits" in html
    for text in ("Green pool clean-up", "Follow-up", "Water clear. Vacuumed to waste.", "Chlorine 3 ppm, pH 7.4.", "Sam Rivera", "2:00"):
        assert text in html, text
    for photo in full.shared_photos:
        assert f'src="/files/{photo.public_id}/thumb"' in html and f'href="/files/{photo.public_id}"' in html
    assert full.hidden_photo.public_id not in html
    # The form shows the range in use: 12 months up to today where the business is.
    today = tenant_today(tenant)
    assert f'name="from" value="{twelve_months_back(today).isoformat()}"' in html
    assert f'name="to" value="{today.isoformat()}"' in html


async def test_a_chosen_range_and_oldest_first(pat_client, pat, portal_data, tenant):
    full = await portal_data.full_account(pat)
    today = tenant_today(tenant)
    start = (today - timedelta(days=500)).isoformat()
    html = await page_of(pat_client, f"/service-history?from={start}&to={today.isoformat()}&sort=date")
    assert visit_ids(html) == [full.old_visit.public_id, full.recent_visits[0].public_id, full.recent_visits[1].public_id]
    assert f'value="{start}"' in html and "Last 12 months" in html  # a way back to the default
    only_old = await page_of(pat_client, f"/service-history?from={start}&to={(today - timedelta(days=300)).isoformat()}")
    assert visit_ids(only_old) == [full.old_visit.public_id]


async def test_days_are_the_business_days_not_utc(pat_client, pat, portal_data, tenant):
    """A visit finished at 11:30 pm in New York belongs to that day, though it is the next day in UTC."""
    zone = ZoneInfo(tenant.timezone)
    day = tenant_today(tenant) - timedelta(days=10)
    late = datetime(day.year, day.month, day.day, 23, 30, tzinfo=zone)
    job = await portal_data.job(pat, status="completed", days=-10)
    visit = await portal_data.visit(job, completed_at=late)
    assert visit_ids(await page_of(pat_client, f"/service-history?from={day}&to={day}")) == [visit.public_id]
    assert visit_ids(await page_of(pat_client, f"/service-history?from={day + timedelta(days=1)}&to={day + timedelta(days=1)}")) == []


async def test_bad_dates_explain_themselves_and_show_the_usual_range(pat_client, pat, portal_data):
    full = await portal_data.full_account(pat)
    expected = [v.public_id for v in reversed(full.recent_visits)]
    for query, message in (
        ("from=yesterday", "Enter dates as year-month-day"),
        ("from=2024-02-30", "Enter dates as year-month-day"),
        ("from=0001-01-01&to=9999-12-31", "Enter dates as year-month-day"),
        ("from=2025-06-01&to=2025-01-01", "The start date is after the end date"),
    ):
        html = await page_of(pat_client, f"/service-history?{query}")
        assert message in html and 'role="alert"' in html, query
        assert visit_ids(html) == expected, query


async def test_pages_of_ten_visits(pat_client, pat, portal_data):
    job = await portal_data.job(pat, status="completed", days=-40)
    made = [await portal_data.visit(job, days_ago=n + 1) for n in range(13)]
    first = await page_of(pat_client, "/service-history")
    assert visit_ids(first) == [v.public_id for v in made[:10]]
    second = await page_of(pat_client, "/service-history?page=2")
    assert visit_ids(second) == [v.public_id for v in made[10:]]
    assert "Showing 11–13 of 13 visits" in second


async def test_visits_with_many_photos_show_four_in_the_list_and_all_on_their_page(pat_client, pat, portal_data):
    job = await portal_data.job(pat, status="completed", days=-2)
    visit = await portal_data.visit(job, days_ago=2, photos=6, notes="Line one.\n" + "x" * 400)
    html = await page_of(pat_client, "/service-history")
    assert html.count("/thumb\"") == 4 and "2 more photos on the visit's page" in html
    page = await page_of(pat_client, f"/service-history/{visit.public_id}")
    assert page.count("/thumb\"") == 6
    assert "x" * 400 in page and "x" * 400 not in html  # the list shows the start of long notes
    assert "<figcaption>Routine service, photo 6</figcaption>" in page


async def test_visit_page_shows_the_full_record_and_only_shared_files(pat_client, pat, portal_data):
    full = await portal_data.full_account(pat)
    visit = full.recent_visits[0]
    report = await portal_data.file(b"pH 7.4\n", "water-test.txt", "text/plain", visit=visit)
    secret = await portal_data.file(b"internal\n", "internal.txt", "text/plain", visit=visit, shared=False)
    html = await page_of(pat_client, f"/service-history/{visit.public_id}")
    for text in ("Pool was green. Shocked twice, ran the filter overnight.", "First clean-up visit", "Sam Rivera", "Green pool clean-up"):
        assert text in html
    assert f'href="/jobs/{full.past_job.public_id}"' in html
    assert report.public_id in html and "water-test.txt" in html
    assert secret.public_id not in html and full.hidden_photo.public_id not in html
    assert html.count("/thumb\"") == 2


async def test_empty_states(pat_client, pat, portal_data, tenant):
    html = await page_of(pat_client, "/service-history")
    assert "No visits were completed in the last 12 months" in html
    html = await page_of(pat_client, "/service-history?from=2020-01-01&to=2020-12-31")
    assert "No visits were completed between" in html and "show the last 12 months" in html
    job = await portal_data.job(pat, status="completed", days=-3)
    await portal_data.visit(job, days_ago=3, photos=0, notes="")
    html = await page_of(pat_client, "/service-history")
    assert "Showing 1–1 of 1 visit" in html and 'class="gallery"' not in html


async def test_list_and_visit_page_cost_the_same_queries_whatever_they_hold(pat_client, pat, portal_data, count_queries):
    job = await portal_data.job(pat, status="completed", days=-30)
    small = await portal_data.visit(job, days_ago=20, photos=1)
    few, _ = await queries_of(pat_client, "/service-history", count_queries)
    few_visit, _ = await queries_of(pat_client, f"/service-history/{small.public_id}", count_queries)
    big = None
    for n in range(11):
        big = await portal_data.visit(job, days_ago=n + 1, photos=3)
    many, html = await queries_of(pat_client, "/service-history", count_queries)
    many_visit, _ = await queries_of(pat_client, f"/service-history/{big.public_id}", count_queries)
    assert len(visit_ids(html)) == 10
    assert many.count == few.count, many.statements
    assert many_visit.count == few_visit.count, many_visit.statements


async def test_other_accounts_and_tenants_visits_are_404(client, other_client, tenant, other_tenant, make_customer, app):
    mine = await make_customer(tenant, "Pat's House", emails=[PAT])
    rental = await make_customer(tenant, "Pat's Rental", emails=[PAT])
    elsewhere = await make_customer(other_tenant, "Pat at Globex", emails=[PAT])
    visits = {}
    for name, account, owner in (("mine", mine, tenant), ("rental", rental, tenant), ("globex", elsewhere, other_tenant)):
        data = PortalData(app, owner)
        job = await data.job(account, title=f"{name} job", status="completed", days=-5)
        visits[name] = await data.visit(job, days_ago=5, notes=f"{name} notes", photos=1)
    scheduled_job = await PortalData(app, tenant).job(mine, title="Later", days=5)
    not_done = await PortalData(app, tenant).visit(scheduled_job, completed=False)

    await client.sign_in_as(PAT, account=mine)
    html = await page_of(client, "/service-history")
    assert visit_ids(html) == [visits["mine"].public_id]
    assert "rental notes" not in html and "globex notes" not in html
    for visit in (visits["rental"], visits["globex"], not_done):
        assert (await client.get(f"/service-history/{visit.public_id}")).status_code == 404
    await other_client.sign_in_as(PAT)
    assert visit_ids(await page_of(other_client, "/service-history")) == [visits["globex"].public_id]


async def test_signed_out_and_section_switched_off(client, pat, pat_client, portal_data, tenant):
    job = await portal_data.job(pat, status="completed", days=-2)
    visit = await portal_data.visit(job, days_ago=2, photos=1)
    fresh = type(client)(client.app, client.host)
    response = await fresh.get("/service-history")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    assert ">Service history<" in await page_of(pat_client, "/")
    await set_sections(tenant, service_history=False)
    assert ">Service history<" not in await page_of(pat_client, "/")
    for path in ("/service-history", f"/service-history/{visit.public_id}"):
        assert (await pat_client.get(path)).status_code == 404
    # The job page no longer links the visit's record.
    job_page = await page_of(pat_client, f"/jobs/{job.public_id}")
    assert visit.public_id not in job_page and "Visits" in job_page


def test_twelve_months_back_is_a_year_long_even_from_a_leap_day():
    assert twelve_months_back(date(2026, 3, 15)) == date(2025, 3, 16)
    assert twelve_months_back(date(2024, 2, 29)) == date(2023, 3, 1)
    assert twelve_months_back(date(2026, 1, 1)) == date(2025, 1, 2)
