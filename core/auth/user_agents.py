"""A User-Agent header as a person would name their device: "Chrome on Linux".

The security page lists where someone is signed in; the raw header
("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/...") means nothing to most
people. Parsing uses ua-parser (Browserscope's maintained rules); the
result is cached, as the same few browsers come back on every page view.
"""

from __future__ import annotations

from functools import lru_cache

from core.i18n import gettext, lazy_gettext

UNKNOWN = lazy_gettext("Unknown browser")


@lru_cache(maxsize=512)
def _families(header: str) -> tuple[str, str]:
    """``(browser, system)`` named by ua-parser, "" where it does not know."""
    from ua_parser import parse  # its rules take a moment to load: only when needed

    header = (header or "").strip()
    if not header:
        return "", ""
    result = parse(header)
    browser = result.user_agent.family if result.user_agent and result.user_agent.family != "Other" else ""
    system = result.os.family if result.os and result.os.family != "Other" else ""
    return browser, system


def describe_user_agent(header: str) -> str:
    """``"<browser> on <system>"``, one of them alone, or "Unknown browser", in the reader's language."""
    browser, system = _families(header)
    if browser and system:
        return gettext("%(browser)s on %(system)s", browser=browser, system=system)
    if browser:
        return browser
    return gettext("A browser on %(system)s", system=system) if system else str(UNKNOWN)
