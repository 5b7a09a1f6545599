"""Importing customers and contacts from CSV: preview, per-row problems, all or nothing, no duplicates."""

from __future__ import annotations

import asyncio
import csv
import io
import re

from werkzeug.datastructures import FileStorage

from core.console.testing import sign_in_staff
from core.models.customers import Contact, ContactEmail, CustomerAccount
from core.models.platform import AuditEvent

GOOD = (
    "Account name,Account number,First name,Last name,Email,Phone,Send invoices,Billing address\n"
    "Lee Household,L-100,Lee,Park,lee@example.com; kim@example.com,555-0101,yes,\"1 Pool Lane\nSpringfield\"\n"
    "Lee Household,L-100,Sam,Park,sam@example.com,,no,\n"
    "Ortiz Pools,,Ana,Ortiz,ana@ortiz.test,,,\n"
    "Ortiz Pools,,Luis,Ortiz,,555-0199,,\n"
    "Pine Street HOA,,,,,555-0150,,\n"
)
BAD = (
    "Customer;Email;First name;Send invoices;Account number\n"
    "Good One;good@example.com;Gina;yes;\n"
    ";nobody@example.com;Nina;;\n"
    "Typo Family;not-an-address;Tom;;\n"
    "Maybe Family;maybe@example.com;Max;perhaps;\n"
    "No Name Contact;someone@example.com;;;\n"
    "First Holder;;;;N-1\n"
    "Second Holder;;;;N-1\n"
    "=HYPERLINK(\"http://evil.test\");x@;Eve;;\n"
)


async def upload(client, text: str | bytes, name: str = "customers.csv"):
    data = text.encode() if isinstance(text, str) else text
    from core.web.security import CSRF_FIELD

    return await client.post(
        "/console/customers/import/",
        form={CSRF_FIELD: await client.csrf()},
        files={"file": FileStorage(io.BytesIO(data), filename=name, content_type="text/csv")},
    )


async def preview_of(client, text: str) -> tuple[str, str]:
    r = await upload(client, text)
    assert r.status_code == 302, r.status_code
    path = r.headers["Location"]
    page = await client.get(path)
    assert page.status_code == 200
    return path, await page.get_data(as_text=True)


async def accounts_of(tenant, in_tenant) -> dict[str, list[tuple[str, list[tuple[str, bool]]]]]:
    """``{account name: [(contact name, [(email, send invoices)])]}``."""
    with in_tenant(tenant):
        out = {}
        for account in await CustomerAccount.all().order_by("name"):
            people = []
            for contact in await Contact.filter(account_id=account.id).order_by("id"):
                emails = [(e.email, e.send_invoices) for e in await ContactEmail.filter(contact_id=contact.id).order_by("id")]
                people.append((contact.full_name, emails))
            out[account.name] = people
        return out


async def test_a_clean_file_is_previewed_then_imported_in_full(client, tenant, in_tenant):
    await sign_in_staff(client, "tech@acme.test", role="staff")
    path, html = await preview_of(client, GOOD)
    assert "5 rows: 5 valid, 0 with a problem." in html
    assert "3 new customers, 4 new contacts, 4 new email addresses." in html
    assert "Adds to the customer of line 2" in html and "number made up on import" in html
    r = await client.submit(path, {"mode": "all_or_nothing"})
    done = await r.get_data(as_text=True)
    assert r.status_code == 200 and "3 new customers, 4 new contacts, 4 new email addresses, from 5 rows" in done
    assert await accounts_of(tenant, in_tenant) == {
        "Lee Household": [("Lee Park", [("lee@example.com", True), ("kim@example.com", True)]), ("Sam Park", [("sam@example.com", False)])],
        "Ortiz Pools": [("Ana Ortiz", [("ana@ortiz.test", True)]), ("Luis Ortiz", [])],
        "Pine Street HOA": [],
    }
    with in_tenant(tenant):
        lee = await CustomerAccount.get(name="Lee Household")
        assert (lee.number, lee.billing_address) == ("L-100", "1 Pool Lane\nSpringfield")
        # Made-up numbers carry on from the newest account's (core.console.numbering).
        made = sorted(await CustomerAccount.exclude(number="L-100").values_list("number", flat=True))
        assert made == ["L-101", "L-102"]
        assert (await CustomerAccount.get(name="Pine Street HOA")).phone == "555-0150"
        assert (await Contact.get(first_name="Luis")).phone == "555-0199"
        assert (await Contact.get(first_name="Lee")).is_primary and not (await Contact.get(first_name="Sam")).is_primary
        event = await AuditEvent.get(action="customers.imported")
        assert event.actor == "tech@acme.test" and (event.detail["accounts"], event.detail["contacts"]) == (3, 4)
    # The upload is used up: the same form again imports nothing.
    again = await client.submit(path, {"mode": "all_or_nothing"})
    assert again.status_code == 410
    with in_tenant(tenant):
        assert await CustomerAccount.all().count() == 3


async def test_two_clicks_at_once_import_once(client, tenant, in_tenant):
    await sign_in_staff(client)
    text = "Account name,Account number,First name,Email\nLee Household,L-1,Lee,lee@example.com\n"
    path, _ = await preview_of(client, text)
    # Existing accounts only gain a contact: no unique number would stop a second import.
    with in_tenant(tenant):
        await CustomerAccount.create(number="L-1", name="Lee Household")
    first, second = await asyncio.gather(client.submit(path, {"mode": "valid_only"}), client.submit(path, {"mode": "valid_only"}))
    assert sorted([first.status_code, second.status_code]) == [200, 410]
    assert await accounts_of(tenant, in_tenant) == {"Lee Household": [("Lee", [("lee@example.com", True)])]}


async def test_importing_the_same_file_again_adds_nothing(client, tenant, in_tenant):
    await sign_in_staff(client)
    path, _ = await preview_of(client, GOOD)
    await client.submit(path, {"mode": "valid_only"})
    before = await accounts_of(tenant, in_tenant)
    path, html = await preview_of(client, GOOD)
    # Only the row without a number, an address or a contact cannot be recognised.
    assert "1 new customer, 0 new contacts, 0 new email addresses." in html
    assert html.count("Already there: nothing to add.") == 4
    assert html.count("importing this file again would add this customer again") == 1  # Pine Street
    r = await client.submit(path, {"mode": "valid_only"})
    assert r.status_code == 200
    assert await accounts_of(tenant, in_tenant) == before
    with in_tenant(tenant):
        assert await CustomerAccount.filter(name="Pine Street HOA").count() == 2
        assert await CustomerAccount.all().count() == 4


async def test_rows_join_existing_customers_by_number_or_address(client, tenant, make_customer, in_tenant):
    await sign_in_staff(client)
    existing = await make_customer(tenant, "Lee Household", emails=["lee@example.com"])
    text = (
        "Account name,Account number,First name,Email\n"
        f"Lee Family (renamed),{existing.number},Kim,kim@example.com\n"
        "Whatever Name,,Lee,lee@example.com; lee.work@example.com\n"
    )
    path, html = await preview_of(client, text)
    assert f"is “Lee Household” here; its name is kept" in html
    assert "0 new customers, 1 new contact, 2 new email addresses." in html
    await client.submit(path, {"mode": "all_or_nothing"})
    assert await accounts_of(tenant, in_tenant) == {
        "Lee Household": [("Lee", [("lee@example.com", True), ("lee.work@example.com", True)]), ("Kim", [("kim@example.com", True)])],
    }


async def test_bad_rows_are_reported_per_row_and_all_or_nothing_imports_nothing(client, tenant, in_tenant):
    await sign_in_staff(client)
    path, html = await preview_of(client, BAD)
    assert "8 rows: 2 valid, 6 with a problem." in html
    problems = {line: text for line, text in re.findall(r'<tr class="problem">\s*<th scope="row">(\d+)</th>(.*?)</tr>', html, re.S)}
    assert "Account name is missing." in problems["3"]
    assert "“not-an-address” is not an email address." in problems["4"]
    assert "Send invoices must be yes or no, not “perhaps”." in problems["5"]
    assert "first name is missing" in problems["6"]
    assert "Row 7 gives the number N-1 to “First Holder”." in problems["8"]
    assert "“x@” is not an email address." in problems["9"]
    assert set(problems) == {"3", "4", "5", "6", "8", "9"}
    # Shown as text, never as markup.
    assert "=HYPERLINK(&#34;http://evil.test&#34;)" in html and "<script" not in html.split("<main", 1)[1].split("</main>")[0]

    r = await client.submit(path, {"mode": "all_or_nothing"})
    assert r.status_code == 409 and "Nothing was imported: 6 rows have a problem." in await r.get_data(as_text=True)
    with in_tenant(tenant):
        assert await CustomerAccount.all().count() == 0

    report = await client.get(path + "/problems.csv")
    rows = list(csv.reader(io.StringIO((await report.get_data(as_text=True)).lstrip("\ufeff"))))
    assert rows[0] == ["Line", "Account name", "Account number", "Contact", "Emails", "Problem"]
    assert [row[0] for row in rows[1:]] == ["3", "4", "5", "6", "8", "9"]
    assert rows[-1][1] == "'=HYPERLINK(\"http://evil.test\")"  # a formula stays text

    r = await client.submit(path, {"mode": "valid_only"})
    assert r.status_code == 200 and "Rows left out" in await r.get_data(as_text=True)
    assert await accounts_of(tenant, in_tenant) == {"First Holder": [], "Good One": [("Gina", [("good@example.com", True)])]}


async def test_a_failure_while_importing_keeps_nothing(client, tenant, in_tenant, monkeypatch):
    """One transaction: a write that fails halfway leaves no account, contact or address behind."""
    from tortoise.exceptions import IntegrityError

    await sign_in_staff(client)
    path, _ = await preview_of(client, GOOD)
    original = ContactEmail.create.__func__
    calls = {"n": 0}

    async def failing_create(cls, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise IntegrityError("simulated clash on the third address")
        return await original(cls, *args, **kwargs)

    monkeypatch.setattr(ContactEmail, "create", classmethod(failing_create))
    r = await client.submit(path, {"mode": "valid_only"})
    assert r.status_code == 409 and "Nothing was imported" in await r.get_data(as_text=True)
    monkeypatch.undo()
    with in_tenant(tenant):
        assert await CustomerAccount.all().count() == 0
        assert await Contact.all().count() == 0
        assert await ContactEmail.all().count() == 0
    # The upload is still there: trying again works.
    r = await client.submit(path, {"mode": "valid_only"})
    assert r.status_code == 200
    with in_tenant(tenant):
        assert await ContactEmail.all().count() == 4


async def test_files_that_cannot_be_read_are_refused_with_a_reason(client, tenant):
    await sign_in_staff(client)
    cases = [
        (b"", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a CSV file."),
        (b"Email,Phone\nlee@example.com,1\n", "one of them “Account name”"),
        (b"Account name\n", "no customers"),
        (("Account name\n" + "X\n" * 2001).encode(), "import at most 2000 at a time"),
    ]
    for data, message in cases:
        r = await upload(client, data)
        assert r.status_code == 400, message
        assert message in await r.get_data(as_text=True)
    from core.web.security import CSRF_FIELD

    r = await client.post("/console/customers/import/", form={CSRF_FIELD: await client.csrf()})
    assert r.status_code == 400 and "Choose a CSV file" in await r.get_data(as_text=True)


async def test_windows_encoded_files_are_read_and_flagged(client, tenant, in_tenant):
    await sign_in_staff(client)
    path, html = await preview_of(client, "Account name,First name\nCafé Müller,José\n".encode("cp1252"))
    assert "read as Windows-1252" in html and "Café Müller" in html
    await client.submit(path, {"mode": "valid_only"})
    assert await accounts_of(tenant, in_tenant) == {"Café Müller": [("José", [])]}


async def test_an_upload_belongs_to_the_staff_session_that_made_it(client, client_for, tenant, other_tenant, in_tenant):
    await sign_in_staff(client, "ann@acme.test")
    path, _ = await preview_of(client, GOOD)
    colleague = client_for(tenant)
    await sign_in_staff(colleague, "bob@acme.test")
    assert (await colleague.get(path)).status_code == 410
    assert (await colleague.submit(path, {"mode": "valid_only"})).status_code == 410
    stranger = client_for(other_tenant)
    await sign_in_staff(stranger, "zed@globex.test")
    stranger.host = client.host  # their session means nothing on this host
    assert (await stranger.get(path)).headers["Location"].startswith("/console/sign-in")
    with in_tenant(tenant):
        assert await CustomerAccount.all().count() == 0
