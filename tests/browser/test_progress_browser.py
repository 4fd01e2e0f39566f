"""Progress against the pace, as a planner sees it in Chromium: the districts page and a district's detail panel."""

import pytest

from spaces.planning.calendar import latest_final_year, today_in_beijing


def _ready(page, text: str) -> None:
    page.get_by_text(text, exact=False).first.wait_for(timeout=60_000)
    page.wait_for_function("!document.querySelector('[data-testid=stStatusWidget]')", timeout=60_000)
    page.wait_for_timeout(1500)


@pytest.mark.parametrize(("language", "query", "rules", "pace"), [
    ("zh", "", "进度怎么算", "时间进度"),
    ("en", "?lang=en", "How progress is judged", "Pace:"),
])
def test_districts_page_opens_on_the_latest_final_year_with_the_rules(page, app_url, screenshot, language, query,
                                                                      rules, pace):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{app_url}/districts{query}", wait_until="domcontentloaded")
    _ready(page, rules)
    year = latest_final_year(today=today_in_beijing())
    assert page.locator("h1, h2").filter(has_text=f"· {year}").count() == 1
    page.get_by_text(rules).first.click()
    page.get_by_text("2021", exact=False).first.wait_for()
    assert page.get_by_text(pace, exact=False).count() >= 1
    # The bars and the trends: Vega mounts its charts after the page has run, later still on a busy machine.
    page.locator("[data-testid=stVegaLiteChart]").nth(1).wait_for(timeout=60_000)
    screenshot(page, f"districts_progress_{language}")
    assert page.outside_requests == [], page.outside_requests
    assert page.errors == [], page.errors


@pytest.mark.parametrize(("language", "query", "projection"), [
    ("zh", "", "按当前进度"),
    ("en", "&lang=en", "At this pace"),
])
def test_a_districts_panel_shows_progress_pace_and_projection(page, app_url, screenshot, language, query, projection):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{app_url}/?sel=district:330206{query}", wait_until="domcontentloaded")
    _ready(page, projection)
    assert page.get_by_text(projection, exact=False).count() >= 1
    screenshot(page, f"detail_progress_{language}")
    assert page.outside_requests == [], page.outside_requests
    assert page.errors == [], page.errors
