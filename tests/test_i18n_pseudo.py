"""The pseudo-language (core.i18n_pseudo) covers every text of the catalogs (issue 17)."""

from __future__ import annotations

from core.i18n_pseudo import pseudo, pseudo_translations


def test_a_text_in_a_context_is_lengthened_like_the_same_text_without_one():
    # "Paid" is in the catalogs both plain and as an invoice status (pgettext):
    # both must read in the pseudo-language, or the status stays English.
    translations = pseudo_translations()
    assert translations.gettext("Paid") == pseudo("Paid") != "Paid"
    assert translations.pgettext("invoice status", "Paid") == pseudo("Paid")
    assert translations.pgettext("payment method", "Other") == pseudo("Other") != "Other"


def test_placeholders_tags_and_invite_keys_are_kept():
    assert pseudo("Hello %(name)s, <a href=\"%(url)s\">pay</a> {business_name}").startswith("Ĥéłłó~ %(name)s, <a href=\"%(url)s\">")
    assert pseudo("{customer_name} at {portal_link}").split(" ")[0] == "{customer_name}"
    assert pseudo("{portal_link}") == "{portal_link}"
