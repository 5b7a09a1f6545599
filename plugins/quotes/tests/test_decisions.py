"""Approve, reject, request changes, ask (Q3-Q5): every path, every refusal, one winner."""

from __future__ import annotations

import asyncio

import pytest

from core.models.mail import OutboundEmail
from core.models.platform import AuditEvent, Notification
from core.plugin_state import save_plugin_settings
from core.testing import SECRET
from plugins.quotes.models import QuoteMessage, QuoteRevision
from plugins.quotes.tests.quote_data import PAT, SAM, expire, make_quote, reload, revision
from tenants.context import use_tenant


async def set_quote_settings(app, tenant, **switches: bool) -> None:
    """Save the plugin's settings as the console's form does: an unticked box is off."""
    host = app.extensions["porchside"].plugins
    form = {"validity_days": "30"}
    form.update({name: "on" for name in ("require_signature", "offer_changes") if switches.get(name, True)})
    with use_tenant(tenant):
        await save_plugin_settings("quotes", form, host, SECRET)


async def notifications(tenant) -> list[Notification]:
    with use_tenant(tenant):
        return list(await Notification.all().order_by("id"))


async def emails_to(tenant, address: str) -> list[OutboundEmail]:
    with use_tenant(tenant):
        return list(await OutboundEmail.filter(to=address).order_by("id"))


async def test_approve_with_a_typed_signature_records_who_when_where_and_which_revision(tenant, pat, pat_client, creator):
    quote = await make_quote(tenant, pat, creator=creator)
    form = await pat_client.get(f"/quotes/{quote.public_id}/approve")
    html = await form.get_data(as_text=True)
    assert form.status_code == 200
    assert 'name="revision" value="1"' in html and 'name="signature"' in html and "$1,425.00" in html

    response = await pat_client.submit(
        f"/quotes/{quote.public_id}/approve", {"revision": "1", "signature": "  Pat   Morgan "},
        scope_base={"client": ("198.51.100.7", 50123)}, headers={"User-Agent": "Pat's phone"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/quotes/{quote.public_id}?done=approved"
    page = await (await pat_client.get(response.headers["Location"])).get_data(as_text=True)
    assert "Thank you: you approved this quote." in page and "Signed “<strong>Pat Morgan</strong>”" in page
    assert 'data-action="quotes_approve"' not in page  # decided: no more decisions

    assert (await reload(tenant, quote)).status == "approved"
    signed = await revision(tenant, quote, 1)
    assert (signed.status, signed.signature_name, signed.decided_by) == ("approved", "Pat Morgan", PAT)
    assert signed.decided_at is not None and signed.decision_ip == "198.51.100.7"
    assert signed.decision_user_agent == "Pat's phone"
    with use_tenant(tenant):
        audit = await AuditEvent.get(action="quote.approved")
    assert (audit.actor, audit.target, audit.detail["revision"], audit.detail["signature"]) == (PAT, quote.public_id, 1, "Pat Morgan")

    # Q4: the creator is told, in the inbox and by email; the customer gets a confirmation.
    [note] = await notifications(tenant)
    assert (note.kind, note.staff_id, note.title) == ("quote.decided", creator.id, f"Pat Morgan approved quote {quote.number}")
    assert "Signed “Pat Morgan”" in note.body and "198.51.100.7" in note.body and note.link == f"/console/quotes/{quote.public_id}"
    assert len(await emails_to(tenant, creator.email)) == 1
    [confirmation] = await emails_to(tenant, PAT)
    assert confirmation.subject == f"You approved quote {quote.number}"
    assert "http://acme.localhost/sign-in/link/" in confirmation.text


async def test_approval_needs_a_signature_unless_the_tenant_turned_it_off(app, tenant, pat, pat_client):
    quote = await make_quote(tenant, pat)
    response = await pat_client.submit(f"/quotes/{quote.public_id}/approve", {"revision": "1", "signature": " "})
    assert response.status_code == 400
    assert "Type your full name to sign your approval." in await response.get_data(as_text=True)
    assert (await reload(tenant, quote)).status == "sent"

    await set_quote_settings(app, tenant, require_signature=False)
    form = await (await pat_client.get(f"/quotes/{quote.public_id}/approve")).get_data(as_text=True)
    assert "aria-required" not in form.split('name="signature"')[1].split(">")[0]
    response = await pat_client.submit(f"/quotes/{quote.public_id}/approve", {"revision": "1"})
    assert response.status_code == 302
    assert (await revision(tenant, quote, 1)).signature_name == ""
    assert (await reload(tenant, quote)).status == "approved"


async def test_reject_with_or_without_a_reason(tenant, pat, pat_client, creator):
    first = await make_quote(tenant, pat, creator=creator)
    second = await make_quote(tenant, pat, creator=creator)
    response = await pat_client.submit(f"/quotes/{first.public_id}/reject", {"revision": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("?done=rejected")
    response = await pat_client.submit(f"/quotes/{second.public_id}/reject", {"revision": "1", "message": "Too expensive for us this year."})
    assert response.status_code == 302
    assert (await reload(tenant, first)).status == (await reload(tenant, second)).status == "rejected"
    assert (await revision(tenant, second, 1)).decision_message == "Too expensive for us this year."
    notes = await notifications(tenant)
    assert [n.title for n in notes] == [f"Pat rejected quote {first.number}", f"Pat rejected quote {second.number}"]
    assert "Reason:\nToo expensive for us this year." in notes[1].body
    assert [e.subject for e in await emails_to(tenant, PAT)] == [f"You rejected quote {first.number}", f"You rejected quote {second.number}"]


async def test_request_changes_needs_a_message_and_can_be_turned_off(app, tenant, pat, pat_client, creator):
    quote = await make_quote(tenant, pat, creator=creator)
    response = await pat_client.submit(f"/quotes/{quote.public_id}/changes", {"revision": "1", "message": ""})
    assert response.status_code == 400
    assert "Tell Acme Pool Care what you would like changed." in await response.get_data(as_text=True)

    response = await pat_client.submit(f"/quotes/{quote.public_id}/changes", {"revision": "1", "message": "Can you do it in May?"})
    assert response.status_code == 302
    assert (await reload(tenant, quote)).status == "changes_requested"
    with use_tenant(tenant):
        [message] = await QuoteMessage.filter(quote_id=quote.id)
    assert (message.kind, message.author, message.body, message.revision) == ("changes", PAT, "Can you do it in May?", 1)
    [note] = await notifications(tenant)
    assert note.kind == "quote.question" and note.title == f"Pat asked for changes to quote {quote.number}"
    assert "Can you do it in May?" in note.body
    page = await (await pat_client.get(f"/quotes/{quote.public_id}")).get_data(as_text=True)
    assert "You asked for changes on" in page and "Can you do it in May?" in page

    # After a request for changes the quote waits for a new revision: no approval.
    response = await pat_client.submit(f"/quotes/{quote.public_id}/approve", {"revision": "1", "signature": "Pat Morgan"})
    assert response.status_code == 409
    assert "Changes to this quote were already requested on" in await response.get_data(as_text=True)

    await set_quote_settings(app, tenant, offer_changes=False)
    other = await make_quote(tenant, pat)
    page = await (await pat_client.get(f"/quotes/{other.public_id}")).get_data(as_text=True)
    assert "quotes_changes" not in page and 'data-action="quotes_approve"' in page
    response = await pat_client.get(f"/quotes/{other.public_id}/changes")
    assert response.status_code == 409
    assert "does not take requests for changes online" in await response.get_data(as_text=True)


async def test_a_question_reaches_staff_and_leaves_the_status_alone(tenant, pat, pat_client, creator):
    quote = await make_quote(tenant, pat, creator=creator, viewed=True)
    response = await pat_client.submit(f"/quotes/{quote.public_id}/question", {"revision": "1", "message": ""})
    assert response.status_code == 400 and "Write your question." in await response.get_data(as_text=True)
    response = await pat_client.submit(f"/quotes/{quote.public_id}/question", {"revision": "1", "message": "Does this include the permit?"})
    assert response.status_code == 302 and response.headers["Location"].endswith("?done=question")
    assert (await reload(tenant, quote)).status == "viewed"
    [note] = await notifications(tenant)
    assert note.kind == "quote.question" and note.staff_id == creator.id
    assert note.title == f"Pat asked a question about quote {quote.number}" and "Does this include the permit?" in note.body
    [confirmation] = await emails_to(tenant, PAT)
    assert confirmation.subject == f"Your question about quote {quote.number}"


async def test_an_expired_quote_is_refused_with_the_date(tenant, pat, pat_client):
    quote = await make_quote(tenant, pat)
    await expire(tenant, quote)
    page = await pat_client.get(f"/quotes/{quote.public_id}")
    html = await page.get_data(as_text=True)
    assert "This quote expired on" in html and "quotes_approve" not in html and "quotes_question" in html
    for form in ("approve", "reject", "changes"):
        response = await pat_client.get(f"/quotes/{quote.public_id}/{form}")
        assert response.status_code == 409
        assert "This quote expired on" in await response.get_data(as_text=True)
    response = await pat_client.submit(f"/quotes/{quote.public_id}/approve", {"revision": "1", "signature": "Pat Morgan"})
    assert response.status_code == 409
    assert (await reload(tenant, quote)).status == "viewed"  # looked at, never decided
    assert await notifications(tenant) == []


async def test_deciding_an_older_revision_is_refused(tenant, pat, pat_client):
    quote = await make_quote(tenant, pat, revised_lines=(("Pump replacement", 1000, 99000),))
    response = await pat_client.submit(f"/quotes/{quote.public_id}/approve", {"revision": "1", "signature": "Pat Morgan"})
    assert response.status_code == 409
    assert "has sent a newer version of quote" in await response.get_data(as_text=True)
    assert (await reload(tenant, quote)).status == "sent"
    assert (await revision(tenant, quote, 1)).status == "superseded"
    response = await pat_client.submit(f"/quotes/{quote.public_id}/approve", {"revision": "nonsense", "signature": "Pat Morgan"})
    assert response.status_code == 400 and "This form is out of date" in await response.get_data(as_text=True)
    response = await pat_client.submit(f"/quotes/{quote.public_id}/approve", {"revision": "2", "signature": "Pat Morgan"})
    assert response.status_code == 302
    assert (await revision(tenant, quote, 2)).status == "approved"


async def test_a_double_click_decides_once(tenant, pat, pat_client, creator):
    quote = await make_quote(tenant, pat, creator=creator)
    form = {"revision": "1", "signature": "Pat Morgan"}
    first = await pat_client.submit(f"/quotes/{quote.public_id}/approve", form)
    second = await pat_client.submit(f"/quotes/{quote.public_id}/approve", form)
    # The second click lands where the first did, and nothing happens twice.
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert len(await notifications(tenant)) == 1
    with use_tenant(tenant):
        assert await AuditEvent.filter(action="quote.approved").count() == 1

    # A different decision after the first one is refused, with who decided.
    response = await pat_client.submit(f"/quotes/{quote.public_id}/reject", {"revision": "1"})
    assert response.status_code == 409
    assert "This quote was already approved on" in await response.get_data(as_text=True)


@pytest.mark.parametrize("decisions", [("approve", "approve"), ("approve", "reject")])
async def test_two_simultaneous_decisions_one_wins_the_other_is_told(tenant, pat, pat_client, client_for, creator, decisions):
    quote = await make_quote(tenant, pat, creator=creator)
    sam_client = client_for(tenant)
    await sam_client.sign_in_as(SAM)
    forms = {"approve": {"revision": "1", "signature": "Someone"}, "reject": {"revision": "1", "message": "No"}}
    responses = await asyncio.gather(
        pat_client.submit(f"/quotes/{quote.public_id}/{decisions[0]}", forms[decisions[0]]),
        sam_client.submit(f"/quotes/{quote.public_id}/{decisions[1]}", forms[decisions[1]]),
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [302, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert "This quote was already" in await loser.get_data(as_text=True)
    with use_tenant(tenant):
        decided = await QuoteRevision.get(quote_id=quote.id, number=1)
        assert decided.status in ("approved", "rejected") and decided.decided_by in (PAT, SAM)
        assert await AuditEvent.filter(action__in=("quote.approved", "quote.rejected")).count() == 1
    assert len(await notifications(tenant)) == 1
    assert (await reload(tenant, quote)).status == decided.status


async def test_staff_viewing_as_the_customer_see_no_decisions_and_mark_nothing(tenant, pat, client_for):
    from core.console.testing import sign_in_staff
    from core.models.customers import ContactEmail

    quote = await make_quote(tenant, pat)
    # The owner opens the portal as Pat from the console: a read-only view.
    staff = client_for(tenant)
    await sign_in_staff(staff, "owner@acme.test", role="owner")
    with use_tenant(tenant):
        email = await ContactEmail.filter(contact__account_id=pat.id).first()
    assert (await staff.submit("/console/view-as/", {"email": email.public_id})).status_code == 302
    html = await (await staff.get(f"/quotes/{quote.public_id}")).get_data(as_text=True)
    assert "read only" in html and "quotes_approve" not in html
    assert (await reload(tenant, quote)).status == "sent"
    response = await staff.submit(f"/quotes/{quote.public_id}/approve", {"revision": "1", "signature": "Staff"})
    assert response.status_code == 403
    assert (await reload(tenant, quote)).status == "sent"
