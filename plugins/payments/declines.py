"""Why a card was declined, in the customer's words and language.

Stripe explains a decline in English (``last_payment_error.message``, the
``user_message`` of an error); the attempt stores that text for staff. The
customer reads the reason for the decline code in their own language: the
codes customers can act on have their own sentence; for the others (fraud
suspicions, "do not honor") other languages say only that the card was
declined, and English shows Stripe's own sentence.
"""

from __future__ import annotations

from core.i18n import SOURCE_LANGUAGE, current_language, lazy_gettext

REASONS = {
    "insufficient_funds": lazy_gettext("Your card has insufficient funds."),
    "expired_card": lazy_gettext("Your card has expired."),
    "incorrect_cvc": lazy_gettext("Your card's security code is incorrect."),
    "invalid_cvc": lazy_gettext("Your card's security code is incorrect."),
    "incorrect_number": lazy_gettext("Your card number is incorrect."),
    "invalid_number": lazy_gettext("Your card number is incorrect."),
    "invalid_expiry_month": lazy_gettext("Your card's expiration date is incorrect."),
    "invalid_expiry_year": lazy_gettext("Your card's expiration date is incorrect."),
    "incorrect_zip": lazy_gettext("Your card's postal code is incorrect."),
    "card_velocity_exceeded": lazy_gettext("Your card has reached its spending limit."),
    "withdrawal_count_limit_exceeded": lazy_gettext("Your card has reached its spending limit."),
    "processing_error": lazy_gettext("An error occurred while processing your card. Try again in a little while."),
    "card_not_supported": lazy_gettext("Your card does not support this type of purchase."),
    "currency_not_supported": lazy_gettext("Your card does not support this currency."),
}


def decline_reason(code: str | None, stripe_message: str | None = None) -> str:
    """One sentence on why the card was declined, or "" when none should be given."""
    code = (code or "").strip()
    if code in REASONS:
        return str(REASONS[code])
    if current_language() == SOURCE_LANGUAGE and stripe_message:
        return stripe_message
    return ""
