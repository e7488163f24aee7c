"""Loading an HTML report in the real headless Chromium (Debian's package), and reading it back."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: Screenshots are kept here after the run (not in git), to look at.
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts"
# Flags for a closed network: no background fetches, no first-run or sync traffic.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Every item in the summary panel, with the text of the highlights that carry its id.
_READ_ITEMS = """
() => Array.from(document.querySelectorAll('[data-item]')).map(li => ({
  id: li.dataset.item,
  highlighted: Array.from(document.querySelectorAll('mark[data-items~="' + li.dataset.item + '"]'))
    .map(m => m.textContent).join(''),
}))
"""

# Whether the article's own markup ran, and how many elements a click selected.
_READ_STATE = "() => ({pwned: window.pwned === true, active: document.querySelectorAll('.active').length})"


@dataclass
class LoadedPage:
    items: dict[str, str]
    console_errors: list[str]
    requests: list[str]
    screenshot: Path
    article_text: str
    globals: dict[str, Any] = field(default_factory=dict)


def load_report(report: Path, screenshot: Path, *, click: str | None = None) -> LoadedPage:
    """Open ``report`` in headless Chromium; collect console errors, requests, highlights and a screenshot."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError("chromium is not installed: run `make browser` (Debian package chromium)")
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as playwright:  # a fresh, empty profile every time
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page()
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("request", lambda request: requests.append(request.url))
            page.goto(report.resolve().as_uri())
            page.wait_for_load_state("load")
            if click is not None:
                page.click(click)
            items = {entry["id"]: entry["highlighted"] for entry in page.evaluate(_READ_ITEMS)}
            article_text = page.inner_text("#article")
            injected = page.evaluate(
                "() => ({pwned: window.pwned === true, active: document.querySelectorAll('.active').length})"
            )
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return LoadedPage(items, errors, requests, screenshot, article_text, injected)
