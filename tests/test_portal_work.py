"""Work history (W1, W4) and the job page (W2, D1): HTTP tests on both databases."""

from __future__ import annotations

import re

from tests.plugins import broken, workorders
from tests.portal_data import PAT, PortalData, page_of, pat, pat_client, portal_data, queries_of, set_sections  # noqa: F401 - fixtures


def titles(html: str) -> list[str]:
    """Job titles of a work-history table, in order."""
    return re.findall(r'<th scope="row" data-label="Job"><a href="/jobs/job_[^"]+">([^<]+)</a>', html)


# -- the list -------------------------------------------------------------------


async def test_upcoming_jobs_by_default_past_and_all_on_their_tabs(pat_client, pat, portal_data):
    full = await portal_data.full_account(pat)
    upcoming = await page_of(pat_client, "/jobs")
    # Soonest first: the job under way started yesterday, the opening is in 3 days.
    assert titles(upcoming) == ["Heater repair", "Spring pool opening"]
    assert "Upcoming <span class=\"count\">(2)</span>" in upcoming and "Past <span class=\"count\">(3)</span>" in upcoming
    assert 'aria-current="page">Upcoming' in upcoming

    past = await page_of(pat_client, "/jobs?show=past")
    # Latest first.
    assert titles(past) == ["Green pool clean-up", "Leak inspection", "Filter replacement"]
    assert "Cancelled" in past and "Completed" in past

    everything = await page_of(pat_client, "/jobs?show=all")
    assert sorted(titles(everything)) == sorted(j.title for j in (full.upcoming_job, full.in_progress_job, full.past_job, full.old_job, full.cancelled_job))


async def test_status_filter_search_and_junk_arguments(pat_client, pat, portal_data):
    await portal_data.full_account(pat)
    assert titles(await page_of(pat_client, "/jobs?show=past&status=cancelled")) == ["Leak inspection"]
    assert titles(await page_of(pat_client, "/jobs?status=in_progress")) == ["Heater repair"]
    # A status of another tab is ignored rather than giving an empty list.
    assert titles(await page_of(pat_client, "/jobs?status=cancelled")) == ["Heater repair", "Spring pool opening"]
    assert titles(await page_of(pat_client, "/jobs?show=all&q=pool")) == ["Spring pool opening", "Green pool clean-up"]
    searched = await page_of(pat_client, "/jobs?show=all&q=HEATER")
    assert titles(searched) == ["Heater repair"] and 'value="HEATER"' in searched and "Clear filters" in searched
    # LIKE wildcards are searched for, not obeyed.
    assert titles(await page_of(pat_client, "/jobs?show=all&q=%25")) == []
    assert titles(await page_of(pat_client, "/jobs?show=all&q=_")) == []
    # Junk never fails the page.
    for junk in ("?show=everything&page=abc&per_page=-4&sort=drop+table", "?status=x&q=" + "x" * 500, "?page=99999999999999999999"):
        assert (await pat_client.get("/jobs" + junk)).status_code == 200
    # A NUL byte is refused with a message by the central input guard (issue 14, item 7).
    assert (await pat_client.get("/jobs?status=%00")).status_code == 400


async def test_sorting_by_each_column_both_ways(pat_client, pat, portal_data):
    for title, number in (("Bravo", "J-B"), ("Alpha", "J-C"), ("Charlie", "J-A")):
        await portal_data.job(pat, title=title, number=number, days=len(title))
    assert titles(await page_of(pat_client, "/jobs?sort=title")) == ["Alpha", "Bravo", "Charlie"]
    assert titles(await page_of(pat_client, "/jobs?sort=-title")) == ["Charlie", "Bravo", "Alpha"]
    assert titles(await page_of(pat_client, "/jobs?sort=number")) == ["Charlie", "Bravo", "Alpha"]
    html = await page_of(pat_client, "/jobs?sort=title")
    # The sorted column says so to screen readers; its link turns the order round.
    assert re.search(r'aria-sort="ascending">\s*<a href="/jobs\?sort=-title"', html)
    assert 'href="/jobs?sort=number"' in html


async def test_pagination_keeps_filters_and_clamps(pat_client, pat, portal_data):
    for n in range(25):
        await portal_data.job(pat, title=f"Visit {n:02d}", days=n + 1)
    first = await page_of(pat_client, "/jobs?q=visit")
    assert len(titles(first)) == 20 and titles(first)[0] == "Visit 00"
    assert "Showing 1–20 of 25 jobs" in first
    assert 'href="/jobs?q=visit&amp;page=2" rel="next"' in first
    second = await page_of(pat_client, "/jobs?q=visit&page=2")
    assert titles(second) == [f"Visit {n}" for n in range(20, 25)]
    assert 'href="/jobs?q=visit" rel="prev"' in second
    # Past the end: the last page; a smaller page size is kept in the links.
    assert titles(await page_of(pat_client, "/jobs?q=visit&page=40")) == titles(second)
    small = await page_of(pat_client, "/jobs?per_page=10&page=3")
    assert titles(small) == [f"Visit {n}" for n in range(20, 25)] and "Showing 21–25 of 25 jobs" in small


async def test_empty_states_tell_the_customer_what_to_do(pat_client, pat, portal_data):
    empty = await page_of(pat_client, "/jobs")
    assert "No visits are scheduled" in empty and 'href="/contact"' in empty and "<table" not in empty
    assert "There are no jobs here yet" in await page_of(pat_client, "/jobs?show=past")
    await portal_data.job(pat, title="Pool opening")
    nothing = await page_of(pat_client, "/jobs?q=zebra")
    assert "No jobs match these filters" in nothing and "Clear the filters" in nothing


async def test_the_list_costs_the_same_queries_for_2_and_20_jobs(pat_client, pat, portal_data, count_queries):
    for n in range(2):
        await portal_data.job(pat, title=f"Job {n}", days=n + 1)
    few, _ = await queries_of(pat_client, "/jobs", count_queries)
    for n in range(2, 20):
        await portal_data.job(pat, title=f"Job {n}", days=n + 1)
    many, html = await queries_of(pat_client, "/jobs", count_queries)
    assert len(titles(html)) == 20
    assert many.count == few.count, many.statements


# -- the job page --------------------------------------------------------------------


async def test_job_page_shows_details_charges_and_only_what_staff_shared(pat_client, pat, portal_data):
    full = await portal_data.full_account(pat)
    html = await page_of(pat_client, f"/jobs/{full.upcoming_job.public_id}")
    for text in (full.upcoming_job.number, "Spring pool opening", "Scheduled", "Sam Rivera", "12 Elm Street",
                 "Remove the cover, start the pump", "Opening labour", "Chlorine tablets", "$85.00", "$38.97", "$208.97"):
        assert text in html, text
    # Notes and files only when shared (D1).
    assert full.shared_note.body in html and full.hidden_note.body not in html
    assert full.shared_file.public_id in html and "opening-checklist.pdf" in html
    assert full.hidden_file.public_id not in html and "internal-costing.pdf" not in html
    # Payments of the job's invoices; drafts are never shown.
    assert "Visa ending 4242" in html and "$50.00" in html
    assert full.invoices["open"].number in html and full.invoices["draft"].number not in html
    for section in ("details", "charges", "notes", "attachments"):
        assert f'<a href="#{section}">' in html and f'id="{section}"' in html


async def test_job_page_of_completed_work_shows_visits_and_shared_photos(pat_client, pat, portal_data):
    full = await portal_data.full_account(pat)
    html = await page_of(pat_client, f"/jobs/{full.past_job.public_id}")
    assert "Completed" in html and "First clean-up visit" in html
    for photo in full.shared_photos:
        assert f'/files/{photo.public_id}/thumb' in html
    assert full.hidden_photo.public_id not in html
    assert f'/service-history/{full.recent_visits[0].public_id}' in html
    assert "Cheque" in html and "$330.00" in html  # 3 h at $90 + 4 x $15, paid in full by cheque


async def test_job_page_hides_billing_from_an_address_without_send_invoices(client, tenant, make_customer, in_tenant, app):
    account = await make_customer(tenant, "Shared House", emails=[PAT, "tenant@example.com"], no_invoices=["tenant@example.com"])
    full = await PortalData(app, tenant).full_account(account)
    await client.sign_in_as("tenant@example.com")
    html = await page_of(client, f"/jobs/{full.upcoming_job.public_id}")
    assert "Opening labour" in html  # charges are part of the job
    assert "Visa ending 4242" not in html and full.invoices["open"].number not in html and "<h3>Payments</h3>" not in html


async def test_job_page_has_empty_states(pat_client, pat, portal_data):
    job = await portal_data.job(pat, title="Quote visit", unscheduled=True)
    html = await page_of(pat_client, f"/jobs/{job.public_id}")
    for text in ("Not scheduled yet", "No charges on this job yet", "No notes have been shared", "No files have been shared"):
        assert text in html


async def test_job_page_costs_the_same_queries_whatever_it_holds(pat_client, pat, portal_data, count_queries):
    async def job_with(n: int):
        job = await portal_data.job(pat, status="completed", days=-5)
        visits = []
        for i in range(n):
            await portal_data.charge(job, f"Charge {i}", 1000, 100 * (i + 1))
            await portal_data.note(job, f"Note {i}")
            await portal_data.attachment(job, f"file-{i}.pdf")
            visits.append(await portal_data.visit(job, days_ago=5 + i, photos=1))
            invoice = await portal_data.invoice(pat, job=job)
            await portal_data.payment(invoice, 1000)
        return job, visits

    (small, _), (large, visits) = await job_with(1), await job_with(5)
    few, _ = await queries_of(pat_client, f"/jobs/{small.public_id}", count_queries)
    many, html = await queries_of(pat_client, f"/jobs/{large.public_id}", count_queries)
    assert html.count("Charge ") == 5 and all(v.public_id in html for v in visits)
    assert many.count == few.count, many.statements


async def test_plugin_job_tabs_and_actions_follow_the_job_and_failures_stay_out(make_app, make_customer, client_for, caplog):
    """porchside_job_tabs and porchside_actions on the job page: shown by is_shown, broken ones left out."""
    from tenants.service import create_tenant

    async with make_app(plugins=[("workorders", workorders), ("broken", broken)]) as app:
        tenant = await create_tenant("acme", "Acme Pool Care")
        account = await make_customer(tenant, "Pat Doe", emails=[PAT])
        data = PortalData(app, tenant)
        done = await data.job(account, status="completed", days=-3)
        todo = await data.job(account, days=3)
        client = client_for(tenant, app)
        await client.sign_in_as(PAT)

        html = await page_of(client, f"/jobs/{done.public_id}")
        assert f'href="/jobs/{done.public_id}/checklist" data-tab="checklist">Checklist' in html
        assert re.search(rf'<a class="button" href="/book\?job={done.public_id}" data-action="rebook">Book again</a>', html)
        assert "Broken job tab" not in html
        assert "plugin broken failed in is_shown of 'broken_job_tab'" in caplog.text

        html = await page_of(client, f"/jobs/{todo.public_id}")
        assert "Checklist" not in html and "Book again" not in html


# -- who may see what ---------------------------------------------------------------


async def test_another_accounts_or_tenants_job_is_404(client, tenant, other_tenant, make_customer, app, other_client):
    mine = await make_customer(tenant, "Pat's House", emails=[PAT])
    rental = await make_customer(tenant, "Pat's Rental", emails=[PAT])
    elsewhere = await make_customer(other_tenant, "Pat at Globex", emails=[PAT])
    my_job = await PortalData(app, tenant).job(mine, title="My job")
    rental_job = await PortalData(app, tenant).job(rental, title="Rental job")
    foreign_job = await PortalData(app, other_tenant).job(elsewhere, title="Globex job")

    await client.sign_in_as(PAT, account=mine)
    assert (await client.get(f"/jobs/{my_job.public_id}")).status_code == 200
    for job in (rental_job, foreign_job):
        response = await client.get(f"/jobs/{job.public_id}")
        assert response.status_code == 404
        assert job.title not in await response.get_data(as_text=True)
    assert titles(await page_of(client, "/jobs")) == ["My job"]
    assert (await client.get("/jobs/job_doesnotexist")).status_code == 404

    # The same person in the other tenant sees only that tenant's job.
    await other_client.sign_in_as(PAT)
    assert titles(await page_of(other_client, "/jobs")) == ["Globex job"]
    assert (await other_client.get(f"/jobs/{my_job.public_id}")).status_code == 404


async def test_signed_out_visitors_are_sent_to_sign_in(client, pat, portal_data):
    job = await portal_data.job(pat)
    for path in ("/jobs", f"/jobs/{job.public_id}"):
        response = await client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


async def test_work_history_follows_the_included_in_portal_switch(pat_client, pat, portal_data, tenant):
    job = await portal_data.job(pat)
    home = await page_of(pat_client, "/")
    assert '<a href="/jobs"' in home and ">Work history<" in home
    await set_sections(tenant, work_history=False)
    home = await page_of(pat_client, "/")
    assert ">Work history<" not in home and "Coming up" not in home
    for path in ("/jobs", f"/jobs/{job.public_id}"):
        assert (await pat_client.get(path)).status_code == 404


def test_times_and_quantities_follow_the_tenant_locale_and_zone():
    from datetime import datetime, timezone
    from types import SimpleNamespace

    from core.portal.formats import format_quantity, format_when

    start = datetime(2026, 3, 4, 19, 5, tzinfo=timezone.utc)
    us = SimpleNamespace(locale="en_US", timezone="America/New_York")
    fr = SimpleNamespace(locale="fr_FR", timezone="Europe/Paris")
    assert format_when(start, us) == "Wed, Mar 4, 2026, 2:05\u202fPM"  # CLDR puts a narrow space before PM
    assert format_when(start, fr) == "mer. 4 mars 2026, 20:05"
    same_day = format_when(start, fr, start.replace(hour=21))
    next_day = format_when(start, fr, start.replace(day=5, hour=9))
    assert same_day == "mer. 4 mars 2026, 20:05 – 22:05"
    assert next_day == "mer. 4 mars 2026, 20:05 – jeu. 5 mars 2026, 10:05"
    assert format_when(None, us) == ""
    assert [format_quantity(q, us) for q in (1000, 2500, 1234567, 333)] == ["1", "2.5", "1,234.567", "0.333"]
    assert format_quantity(2500, fr) == "2,5"
