"""Job messages in the portal and the console (M1): threads both ways, unread counts, safety.

Every test runs on SQLite and on PostgreSQL. Another account's or another
tenant's thread, stream or picture is a 404, like one that does not exist.
"""

from __future__ import annotations

import re

from core.console.testing import sign_in_staff
from plugins.marketing.messages.models import Message, MessageFile, Thread
from plugins.marketing.tests.conftest import PAT
from plugins.marketing.tests.messages.helpers import form_key, make_job, page, picture, post_pairs, send

UNREAD1 = 'unread-count">1 unread'
THREAD_LINK = re.compile(r"/console/messages/(thr_[\w-]+)")


async def test_a_job_page_has_a_messages_tab_and_a_thread_both_ways(pat, pat_client, staff_client, tenant, in_tenant):
    job = await make_job(tenant, pat)
    job_page = await page(pat_client, f"/jobs/{job.public_id}")
    assert f'href="/jobs/{job.public_id}/messages"' in job_page and 'data-tab="messages"' in job_page

    thread_page = await page(pat_client, f"/jobs/{job.public_id}/messages")
    assert "No messages yet." in thread_page
    assert 'for="body"' in thread_page and 'for="pictures"' in thread_page  # labelled fields
    response = await send(pat_client, f"/jobs/{job.public_id}/messages", "Is the pump still under warranty?")
    assert response.headers["Location"].endswith("#m-1")
    assert "Is the pump still under warranty?" in await page(pat_client, f"/jobs/{job.public_id}/messages")

    # Staff: the inbox shows it unread, once; opening the thread reads it.
    inbox = await page(staff_client, "/console/messages/")
    assert "Pat Morgan" in inbox and UNREAD1 in inbox and f"Job {job.number}: {job.title}" in inbox
    assert 'Unread <span class="count">(1)</span>' in inbox  # the badge: one aggregate over every thread
    assert UNREAD1 in await page(staff_client, "/console/messages/?show=unread")
    thread_id = THREAD_LINK.search(inbox).group(1)
    console_thread = await page(staff_client, f"/console/messages/{thread_id}")
    assert "Is the pump still under warranty?" in console_thread
    assert UNREAD1 not in await page(staff_client, "/console/messages/")
    assert "Nothing unread." in await page(staff_client, "/console/messages/?show=unread")
    assert 'Unread <span class="count">(0)</span>' in await page(staff_client, "/console/messages/")

    await send(staff_client, f"/console/messages/{thread_id}", "Yes, for two more years.")
    # The customer: unread in the Messages list and on the home page until opened.
    listing = await page(pat_client, "/messages")
    assert UNREAD1 in listing and f"Job {job.number}" in listing
    assert "You have 1 unread message." in await page(pat_client, "/")
    opened = await page(pat_client, f"/jobs/{job.public_id}/messages")
    assert opened.index("Is the pump still under warranty?") < opened.index("Yes, for two more years.")
    assert "Maria Delgado" in opened
    assert "unread-count" not in await page(pat_client, "/messages")
    with in_tenant(tenant):
        thread = await Thread.get(job_id=job.id)
        assert (thread.customer_messages, thread.staff_messages, thread.last_seq) == (1, 1, 2)
        assert [m.seq for m in await Message.filter(thread_id=thread.id).order_by("seq")] == [1, 2]


async def test_a_replayed_or_double_submitted_form_adds_one_message(pat, pat_client, tenant, in_tenant):
    job = await make_job(tenant, pat)
    path = f"/jobs/{job.public_id}/messages"
    key = await form_key(pat_client, path)
    first = await send(pat_client, path, "Hello", key=key)
    again = await send(pat_client, path, "Hello", key=key)
    assert first.headers["Location"] == again.headers["Location"]
    await send(pat_client, path, "A second message")  # a fresh form: a new message
    with in_tenant(tenant):
        assert await Message.filter(thread__job_id=job.id).count() == 2


async def test_text_is_escaped_and_only_web_addresses_become_links(pat, pat_client, tenant):
    job = await make_job(tenant, pat)
    path = f"/jobs/{job.public_id}/messages"
    body = '<script>alert(1)</script> see https://example.com/a?b=1&c=2. and javascript:alert(2) "x" onmouseover=1'
    await send(pat_client, path, body)
    html = await page(pat_client, path)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<a href="https://example.com/a?b=1&amp;c=2" rel="noopener nofollow" target="_blank">https://example.com/a?b=1&amp;c=2</a>.' in html
    assert 'href="javascript' not in html


async def test_bad_input_is_refused_with_a_message_never_a_500(pat, pat_client, tenant, in_tenant):
    job = await make_job(tenant, pat)
    path = f"/jobs/{job.public_id}/messages"
    refused = await send(pat_client, path, "   ", expect=400)
    assert "Write a message, or add a picture." in await refused.get_data(as_text=True)
    refused = await send(pat_client, path, "x" * 4001, expect=400)
    assert "Keep your message under 4000 characters" in await refused.get_data(as_text=True)
    refused = await send(pat_client, path, "Look", pictures=[("notes.png", b"%PDF-1.4 not a picture")], expect=400)
    assert "is not a PNG, JPEG, WebP or GIF picture" in await refused.get_data(as_text=True)
    refused = await send(pat_client, path, "stale", key="short", expect=400)
    assert "This form is out of date" in await refused.get_data(as_text=True)
    with in_tenant(tenant):
        assert await Message.all().count() == 0


async def test_pictures_are_served_only_to_whoever_may_read_the_thread(
    app, pat, pat_client, staff_client, tenant, other_tenant, make_customer, client_for, in_tenant
):
    job = await make_job(tenant, pat)
    await send(pat_client, f"/jobs/{job.public_id}/messages", "The leak", pictures=[("leak.png", picture()), ("gate.jpg", picture("JPEG"))])
    with in_tenant(tenant):
        files = list(await MessageFile.all().order_by("id"))
    assert [(f.filename, f.content_type) for f in files] == [("leak.png", "image/png"), ("gate.jpg", "image/jpeg")]
    own = await pat_client.get(f"/message-files/{files[0].public_id}")
    assert own.status_code == 200 and own.headers["Content-Type"] == "image/png"
    assert (await own.get_data()).startswith(b"\x89PNG")
    assert (await staff_client.get(f"/console/messages/files/{files[1].public_id}")).status_code == 200

    # Another account of the same business, and another business, get 404 for everything.
    await make_customer(tenant, "Lee Chen", emails=["lee@example.com"])
    lee = client_for(tenant)
    await lee.sign_in_as("lee@example.com")
    with in_tenant(tenant):
        thread = await Thread.get(job_id=job.id)
    for path in (
        f"/message-files/{files[0].public_id}",
        f"/jobs/{job.public_id}/messages",
        f"/messages/{thread.public_id}",
        f"/jobs/{job.public_id}/messages/stream",
        f"/messages/{thread.public_id}/stream",
    ):
        assert (await lee.get(path)).status_code == 404, path
    assert (await send(lee, f"/jobs/{job.public_id}/messages", "hi", key="k" * 20, expect=404))
    await make_customer(other_tenant, "Pat Morgan", emails=[PAT])
    globex = client_for(other_tenant)
    await globex.sign_in_as(PAT)
    globex_staff = client_for(other_tenant)
    await sign_in_staff(globex_staff, "owner@globex.test")
    for client, path in (
        (globex, f"/message-files/{files[0].public_id}"),
        (globex, f"/jobs/{job.public_id}/messages"),
        (globex, f"/messages/{thread.public_id}"),
        (globex_staff, f"/console/messages/{thread.public_id}"),
        (globex_staff, f"/console/messages/files/{files[0].public_id}"),
        (globex_staff, f"/console/messages/{thread.public_id}/stream"),
        (globex_staff, f"/console/messages/jobs/{job.public_id}"),
    ):
        assert (await client.get(path)).status_code == 404, path
    assert "No conversations yet." in await page(globex_staff, "/console/messages/")


async def test_staff_start_a_conversation_with_several_customers_once(pat, staff_client, tenant, make_customer, client_for, in_tenant):
    lee_account = await make_customer(tenant, "Lee Chen", emails=["lee@example.com"])
    new_page = await page(staff_client, "/console/messages/new")
    key = re.search(r'name="key" value="([^"]+)"', new_page).group(1)
    data = [("accounts", pat.public_id), ("accounts", lee_account.public_id), ("subject", "Pool closing season"),
            ("body", "Book your closing visit now."), ("key", key)]
    first = await post_pairs(staff_client, "/console/messages/new", data)
    assert first.status_code == 302
    assert (await post_pairs(staff_client, "/console/messages/new", data)).status_code == 302  # replayed: nothing more
    with in_tenant(tenant):
        threads = list(await Thread.filter(subject="Pool closing season").order_by("id"))
        assert {t.account_id for t in threads} == {pat.id, lee_account.id}
        assert all(t.job_id is None and t.staff_messages == 1 for t in threads)
        assert await Message.all().count() == 2
    inbox = await page(staff_client, "/console/messages/")
    assert inbox.count("Pool closing season") == 2

    lee = client_for(tenant)
    await lee.sign_in_as("lee@example.com")
    listing = await page(lee, "/messages")
    assert "Pool closing season" in listing and UNREAD1 in listing
    thread_id = re.search(r"/messages/(thr_[\w-]+)", listing).group(1)
    assert "Book your closing visit now." in await page(lee, f"/messages/{thread_id}")
    await send(lee, f"/messages/{thread_id}", "Tuesday works.")
    assert UNREAD1 in await page(staff_client, "/console/messages/")

    refused = await staff_client.submit("/console/messages/new", {"subject": "", "body": "", "key": key})
    assert refused.status_code == 400
    text = await refused.get_data(as_text=True)
    assert "Choose at least one customer." in text and "Give the message a subject." in text


async def test_the_console_inbox_needs_a_staff_session(client, pat_client):
    response = await client.get("/console/messages/")
    assert response.status_code == 302 and "/console/sign-in" in response.headers["Location"]
    # A customer's session never opens a console page.
    assert (await pat_client.get("/console/messages/")).status_code == 302
