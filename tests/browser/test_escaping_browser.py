"""Text from data files never executes: a park named like an XSS payload stays text everywhere in the app."""

from urllib.parse import quote

import pytest

from spaces.sample import build_sample
from spaces.store import local_actor, open_store

HOSTILE = "<img src=x onerror=alert(1)>"
LINKY = "见 http://evil.example/x 或 li@example.org 与 www.example.org"  # GFM would make three live links
READY = 60_000


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory, streamlit_server):
    """The app on a sample whose park P012 and one community carry the payload as their names."""
    import os

    from tests.browser.conftest import ROOT

    layers = build_sample(plots=300)
    layers["parks"].loc[layers["parks"]["park_id"] == "P012", "name_zh"] = HOSTILE
    layers["parks"].loc[layers["parks"]["park_id"] == "P012", "industries"] = f"模具;{HOSTILE}"
    layers["communities"].loc[0, "name_zh"] = f"**{HOSTILE}**"
    layers["communities"].loc[1, "name_zh"] = LINKY
    folder = tmp_path_factory.mktemp("hostile")
    store = folder / "spaces.gpkg"
    open_store(str(store)).initialise(layers, dataset="sample", actor=local_actor())
    with streamlit_server(ROOT / "streamlit_app.py", env={**os.environ, "SPACES_STORE": str(store), "SPACES_MODE": "desktop"}, cwd=ROOT,
                          log_dir=folder) as url:
        yield url


def _no_payload_ran(page, dialogs):
    injected = page.evaluate("document.querySelectorAll('img[src=\"x\"]').length")
    assert injected == 0, "the payload became an element"
    assert dialogs == [], f"a dialog opened: {dialogs}"


def test_hostile_names_stay_text_on_map_detail_and_directory(page, hostile_app, screenshot):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{hostile_app}/?ly=parks&sel=park%3AP012", wait_until="domcontentloaded")
    page.get_by_text(HOSTILE).first.wait_for(timeout=READY)  # the detail title, as text
    canvas = page.locator("canvas").first
    canvas.wait_for(timeout=READY)
    # Fly to the park and hover it so the tooltip shows the name.
    page.locator("[data-testid='stSelectbox']").filter(has_text="搜索园区、社区或地块").click()
    page.keyboard.type("img src")
    page.keyboard.press("Enter")
    page.wait_for_timeout(3000)
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(1500)
    screenshot(page, "hostile_map")
    tooltip_text = page.evaluate("Array.from(document.querySelectorAll('.deck-tooltip')).map(e => e.innerText)")
    assert any(HOSTILE in text for text in tooltip_text), tooltip_text
    _no_payload_ran(page, dialogs)

    page.goto(f"{hostile_app}/parks?ind={quote('模具')}", wait_until="domcontentloaded")
    page.get_by_text("示例数据", exact=False).first.wait_for(timeout=READY)
    page.wait_for_timeout(2000)
    screenshot(page, "hostile_directory")
    _no_payload_ran(page, dialogs)
    assert page.errors == [] and page.outside_requests == []


def test_addresses_in_a_name_are_shown_as_text_not_as_live_links(page, hostile_app):
    """A community named with a web address, an e-mail and a www name: the detail panel shows each as written
    (an invisible word joiner breaks the pattern, spaces/view/deck.py markdown_text), none as a link."""
    community_id = build_sample(plots=300)["communities"].loc[1, "community_id"]
    page.goto(f"{hostile_app}/?ly=communities&sel={quote(f'community:{community_id}')}", wait_until="domcontentloaded")
    page.get_by_text("evil", exact=False).first.wait_for(timeout=READY)
    page.wait_for_timeout(1000)
    main = page.locator("[data-testid='stMain']")
    shown = main.inner_text().replace("\u2060", "")
    assert "http://evil.example/x" in shown and "li@example.org" in shown and "www.example.org" in shown
    links = page.evaluate("Array.from(document.querySelectorAll('[data-testid=stMain] a')).map(a => a.href)")
    # The heading's own anchor (a link to this page) is Streamlit's; no link may lead anywhere else.
    assert not [href for href in links if not href.startswith(hostile_app)], links
    assert page.errors == [] and page.outside_requests == []
