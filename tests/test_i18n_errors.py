"""Error pages and refusals in the reader's language; the integration API's messages stay English (issue 17).

Compares with what core's shipped Spanish catalog says.
"""

from __future__ import annotations

from functools import partial

from core.i18n import language, lazy_gettext
from core.invoicing import InvoiceRefused
from core.ledger import PaymentRefused
from core.testing import translated

spanish = partial(translated, "es")


def test_a_refusal_is_read_in_the_readers_language_and_keeps_its_english():
    refused = PaymentRefused(
        "over_balance", lazy_gettext("That is more than the balance of %(balance)s. Record at most the balance.", balance="$12.00")
    )
    english = "That is more than the balance of $12.00. Record at most the balance."
    assert refused.english == str(refused) == english
    assert refused.message == english
    with language("es"):
        assert refused.message == spanish("That is more than the balance of %(balance)s. Record at most the balance.") % {"balance": "$12.00"}
        assert refused.message != english and "$12.00" in refused.message
        assert refused.english == english  # what the integration API answers

    void = InvoiceRefused("not_open", lazy_gettext("Only an open invoice can be voided."))
    with language("es"):
        assert void.message == spanish("Only an open invoice can be voided.") != void.english


async def test_the_error_page_is_in_the_readers_language(client):
    response = await client.get("/no-such-page", headers={"Accept-Language": "es"})
    body = await response.get_data(as_text=True)
    assert response.status_code == 404
    assert spanish("Page not found") in body and spanish("There is no page at this address.") in body
    assert "Page not found" not in body
    assert "<code>not_found</code>" in body  # the code stays the same in every language

    english = await (await client.get("/no-such-page", headers={"Accept-Language": "en"})).get_data(as_text=True)
    assert "Page not found" in english and "There is no page at this address." in english


async def test_the_integration_apis_error_messages_stay_english(client):
    response = await client.get("/oauth/no-such-endpoint", headers={"Accept-Language": "es", "Accept": "application/json"})
    assert response.status_code == 404
    data = await response.get_json()
    assert data["error"] == {"code": "not_found", "message": "There is no page at this address."}

    # Another JSON client (a page's script) reads its language.
    response = await client.get("/no-such-page", headers={"Accept-Language": "es", "Accept": "application/json"})
    data = await response.get_json()
    assert data["error"] == {"code": "not_found", "message": spanish("There is no page at this address.")}
