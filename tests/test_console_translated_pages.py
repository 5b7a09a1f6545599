"""Console pages in the staff member's language (issue 17).

The list and form building blocks (:mod:`core.console.lists`,
:mod:`core.console.form_fields`) and the navigation declare their texts at
import time as lazy texts; each page must still come out in the language of
whoever reads it, request by request, as core's shipped catalog says.
"""

from __future__ import annotations

from functools import partial

from core import i18n
from core.console.testing import sign_in_staff
from core.models.staff import StaffUser
from core.testing import translated

MORE_BELOW = "Nothing was saved: %(problem)s (and %(num)d more below)"

es = partial(translated, "es")


async def staff_in(client_for, tenant, in_tenant, email: str, language: str | None, role: str = "staff"):
    """A client signed in as a staff member who reads ``language``."""
    browser = client_for(tenant)
    await sign_in_staff(browser, email, role=role)
    with in_tenant(tenant):
        await StaffUser.filter(email=email).update(language=language)
    return browser


async def test_jobs_list_and_form_in_each_readers_language(client_for, tenant, in_tenant):
    sofia = await staff_in(client_for, tenant, in_tenant, "sofia@acme.test", "es")
    ed = await staff_in(client_for, tenant, in_tenant, "ed@acme.test", "en")

    response = await sofia.get("/console/jobs/?status=cancelled")
    assert response.status_code == 200
    page = await response.get_data(as_text=True)
    # Heading, filter label and choice, button, empty state and menu, all Spanish.
    assert f"<h1>{es('Jobs')}</h1>" in page and f">{es('Status')}</label>" in page
    assert es("Any status") in page and es("Show jobs") in page and es("No jobs match.") in page
    assert es("Sign out") in page and f">{es('Invoices')}<" in page
    assert "No jobs match." not in page and "<h1>Jobs</h1>" not in page

    # Column labels too, down to the CSV export's header row.
    export = await (await sofia.get("/console/jobs/?format=csv")).get_data(as_text=True)
    assert export.lstrip("\ufeff").splitlines()[0].split(",")[1:2] == [es("Title")] and es("Status") in export.splitlines()[0]

    # The same declarations, read by the next staff member, stay English.
    english = await (await ed.get("/console/jobs/?status=cancelled")).get_data(as_text=True)
    assert "<h1>Jobs</h1>" in english and "No jobs match." in english and es("Jobs") not in english

    # A validation message carries the translated label inside the translated sentence.
    refused = await sofia.submit("/console/jobs/new", {"title": "", "status": "scheduled", "invoice_view": "detailed"})
    assert refused.status_code == 400
    html = await refused.get_data(as_text=True)
    # No account chosen and no title: two problems, the first at the top, the count in Spanish.
    more = i18n.translations("es").ngettext(MORE_BELOW, MORE_BELOW, 1) % {"problem": "", "num": 1}
    assert more != MORE_BELOW % {"problem": "", "num": 1} and more.split(":")[-1].strip() in html
    assert (es("Nothing was saved: %(problem)s") % {"problem": ""}).strip() in html
    assert es("Enter %(field)s.") % {"field": es("Title").lower()} in html
