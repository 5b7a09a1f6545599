"""What a customer reads when their card is declined (issue 17)."""

from __future__ import annotations

from core.i18n import language
from plugins.payments.declines import decline_reason

STRIPE_TEXT = "Your card was declined for making repeated attempts too frequently or exceeding its amount limit."


def test_a_decline_the_customer_can_act_on_says_why():
    assert decline_reason("insufficient_funds", "Your card has insufficient funds.") == "Your card has insufficient funds."
    assert decline_reason("expired_card", "") == "Your card has expired."
    assert decline_reason("incorrect_cvc", None) == "Your card's security code is incorrect."


def test_in_english_an_unknown_code_shows_stripes_own_sentence():
    assert decline_reason("card_velocity_exceeded_weird", STRIPE_TEXT) == STRIPE_TEXT
    assert decline_reason("", "") == ""


def test_in_another_language_stripes_english_never_reaches_the_customer():
    with language("es"):
        assert decline_reason("do_not_honor", STRIPE_TEXT) == ""
        # A known code is a sentence of the catalog, never Stripe's text.
        assert decline_reason("insufficient_funds", "Your card has insufficient funds (Stripe).") != "Your card has insufficient funds (Stripe)."
