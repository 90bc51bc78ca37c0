"""The reply box's segment counter (static/segments.js) agrees with modembridge.sms.

The page's JavaScript mirrors the GSM-7 tables and the splitting rules; this runs it in the
browser on the same strings as `plan_segments` and compares encoding, part count, units left
and the characters that force UCS-2.
"""

from __future__ import annotations

import random
from typing import Any

from browser.session import AdminBrowser
from modembridge.sms import plan_segments
from modembridge.sms.gsm7 import BASIC_TABLE, EXTENSION_TABLE

pytest_plugins = ["browser.fixtures"]

FIXED = [
    "",
    "Hello",
    "x" * 160,
    "x" * 161,
    "x" * 306,
    "x" * 307,
    "€" * 80,
    "€" * 81,
    "x" * 152 + "€",  # the ESC pair must not be split across parts
    "x" * 153 + "€" + "y",
    "Line one\r\nline two\r\n" * 12,
    "x" * 152 + "\r\n" + "y" * 10,  # CR LF stays together
    "Café ‘quoted’ – ok…",
    "ç" + "a" * 70,
    "a" * 70,
    "a" * 69 + "😀",
    "a" * 66 + "😀" + "b" * 10,  # a surrogate pair never splits
    "👍🏽" * 40,  # emoji with a skin tone: one cluster
    "👨‍👩‍👧‍👦 family " * 12,  # ZWJ sequence
    "🇫🇷🇩🇪🇮🇹" * 20,  # flags: regional-indicator pairs
    "e\u0301" * 60,  # combining accent
    "Ünïcödé \u00a0non-breaking space",
    "^{}\\[~]|€\f" * 20,
    "`backtick`",
    "Привет, как дела? " * 5,
    "你好" * 40,
]

POOL = (
    list(BASIC_TABLE.replace("\x1b", ""))
    + list(EXTENSION_TABLE)
    + ["é", "ç", "’", "–", "…", "😀", "👍🏽", "🇫🇷", "e\u0301", "ж", "\r\n"]
)


def random_texts(count: int, seed: int = 20261127) -> list[str]:
    """A fixed sample of mixed texts around the part boundaries."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        gsm_only = rng.random() < 0.5
        pool = POOL[: len(BASIC_TABLE) - 1 + len(EXTENSION_TABLE)] if gsm_only else POOL
        texts.append("".join(rng.choice(pool) for _ in range(rng.randint(1, 480))))
    return texts


def python_plan(text: str) -> dict[str, Any]:
    plan = plan_segments(text)
    return {
        "encoding": plan.encoding.value,
        "parts": plan.part_count,
        "unitsLeft": plan.units_left,
        "forcing": list(plan.ucs2_forcing_chars),
    }


def test_javascript_counter_matches_plan_segments(admin: AdminBrowser) -> None:
    admin.page.goto("/compose")
    texts = FIXED + random_texts(300)
    plans = admin.page.evaluate(
        "texts => texts.map(t => {"
        " const p = window.modembridgeSegments.plan(t);"
        " return {encoding: p.encoding, parts: p.parts, unitsLeft: p.unitsLeft,"
        " forcing: p.forcing}; })",
        texts,
    )
    mismatches = [
        (text[:40], expected, got)
        for text, got in zip(texts, plans, strict=True)
        if got != (expected := python_plan(text))
    ]
    assert not mismatches, mismatches[:5]


def test_counter_names_the_characters_that_force_ucs2(admin: AdminBrowser) -> None:
    page = admin.page
    page.goto("/compose")
    page.fill("#compose-text", "It’s 20 € – see you")
    counter = page.locator("#compose-counter")
    assert counter.locator(".summary").inner_text() == "UCS-2 · 1 part · 51 characters left"
    assert counter.locator(".forcing code").all_inner_texts() == ["’", "–"]
    page.fill("#compose-text", "x" * 161)
    assert counter.inner_text() == "GSM-7 · 2 parts · 145 characters left"
