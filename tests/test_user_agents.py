"""User-Agent headers named as people know their devices (issue 18, item 4)."""

from __future__ import annotations

import pytest

from core.auth.user_agents import describe_user_agent


@pytest.mark.parametrize(
    ("header", "shown"),
    [
        ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "Chrome on Linux"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox on Windows"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1", "Mobile Safari on iOS"),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15", "Safari on Mac OS X"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0", "Edge on Windows"),
        ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36", "Chrome Mobile on Android"),
        ("", "Unknown browser"),
        ("   ", "Unknown browser"),
        ("curl/8.5.0", "curl"),
        ("%%% nothing known %%%", "Unknown browser"),
    ],
)
def test_a_user_agent_reads_as_browser_on_system(header, shown):
    assert describe_user_agent(header) == shown
