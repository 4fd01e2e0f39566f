"""The printable district brief: PDF text and glyphs (poppler), a page kept as PNG, escaped self-contained HTML."""

import base64
import html
import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from PIL import Image

from spaces.errors import MissingFontError
from spaces.exports import export
from spaces.exports.brief import _wrap, brief_pages
from spaces.exports.fonts import find_cjk_font
from spaces.planning.filters import Filters
from spaces.planning.summary import SAMPLE_NOTICE_EN, SAMPLE_NOTICE_ZH, build_summary
from spaces.reference.districts import district_names
from spaces.reference.palette import STATUS_FILLS

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "brief"
HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_PARK = f"{HOSTILE}示例园$x$"
YEAR = 2025
READ_ON = date(2026, 12, 1)  # 2025 is final, 2026 still in progress
DISTRICT_NAMES = district_names()["name_zh"].tolist()  # the 10 districts and 宁波市


def _poppler(tool: str) -> str:
    """The path of a poppler tool; skipped when missing, unless CI requires it (SPACES_REQUIRE_BROWSER=1)."""
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("SPACES_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{tool} is missing: apt-get install poppler-utils")
        pytest.skip(f"{tool} is missing (apt-get install poppler-utils)")
    return path


@pytest.fixture(scope="module")
def layers(shared_sample_layers):
    """The 300-plot sample whose first park in 海曙区 is named with markup, "$" (mathtext) and Chinese."""
    parks = shared_sample_layers["parks"].copy()
    first_in_haishu = parks.index[parks["district_adcode"] == "330203"][0]
    parks.loc[first_in_haishu, "name_zh"] = HOSTILE_PARK
    return {**shared_sample_layers, "parks": parks}


@pytest.fixture(scope="module")
def pdf(layers, tmp_path_factory) -> Path:
    result = export("brief", "pdf", layers, filters=Filters(year=YEAR), store="test.gpkg", today=READ_ON)
    assert result.media_type == "application/pdf"
    path = tmp_path_factory.mktemp("brief") / result.filename
    path.write_bytes(result.data)
    return path


@pytest.fixture(scope="module")
def html_brief(layers) -> str:
    return export("brief", "html", layers, filters=Filters(year=YEAR), store="test.gpkg",
                  today=READ_ON).data.decode("utf-8")


def _page_texts(pdf: Path) -> list[str]:
    """Each page's text in drawing order, without whitespace (pdftotext guesses spaces and line breaks)."""
    text = subprocess.run([_poppler("pdftotext"), "-raw", str(pdf), "-"], capture_output=True, check=True,
                          timeout=60).stdout.decode("utf-8")
    return [_squeeze(page) for page in text.split("\f")[:-1]]


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


# -- PDF ---------------------------------------------------------------------------------------------
def test_the_pdf_has_the_city_then_every_district_one_page_each(pdf):
    pages = _page_texts(pdf)
    assert len(pages) == 12  # then the 亩均 page
    for page, name in zip(pages[:11], ["宁波市", *DISTRICT_NAMES[:-1]], strict=True):
        assert f"{name}产业空间重构进展简报（{YEAR}年）" in page


def test_every_pdf_page_says_sample_year_and_filters(pdf):
    for page in _page_texts(pdf)[:11]:
        assert _squeeze(SAMPLE_NOTICE_ZH) in page
        assert "筛选条件：年份2025；无其他筛选（全部数据）" in page
        assert "战略产业园（个）" in page and "2021基线" in page and "进度/时间进度" in page and "2026预计" in page
        assert "“万亩千亿”新产业平台（力争）（家）" in page
        assert "进行中" not in page  # 2025 is final on 1 December 2026


def test_the_city_page_shows_about_targets_pace_projection_and_stale_values(pdf):
    """The city's 2025: 约20 parks, 时间进度 80 %, the ETDZ rank of 2024 standing for 2025."""
    city = _page_texts(pdf)[0]
    assert "约20" in city and "约70" in city
    assert "/80%" in city
    assert "9(2024)" in city  # the rank of 2024 carried to 2025, with its year
    assert "截至2025年底·时间进度80%" in city


def test_a_year_in_progress_is_marked_on_every_page(layers, tmp_path):
    result = export("brief", "pdf", layers, filters=Filters(year=2026, districts=("330206",)), store="t",
                    today=READ_ON)
    path = tmp_path / result.filename
    path.write_bytes(result.data)
    pages = _page_texts(path)
    assert len(pages) == 3  # the city, 北仑, the 亩均 page of both
    for page in pages:
        assert "（2026年，进行中）" in page
        assert "2026年数据尚未完整（2027-04-01起视为完整）" in page
    for page in pages[:2]:
        assert "截至2026-12-01（2026年进行中）·时间进度98%" in page  # 4 years and 334 of 365 days: 98 %
        assert "2026进行中" in page  # the running year on the trend charts' axes


def test_pdf_text_holds_the_names_as_written(pdf):
    haishu = _page_texts(pdf)[1]
    assert _squeeze(HOSTILE_PARK) in haishu  # "$x$" stays text, not mathtext
    assert "盘活腾退低效工业用地（亩）" in haishu


def test_pdf_embeds_cjk_fonts_with_a_unicode_map(pdf):
    report = subprocess.run([_poppler("pdffonts"), str(pdf)], capture_output=True, check=True, timeout=60)
    rows = report.stdout.decode().splitlines()[2:]
    assert rows and any("CJK" in row for row in rows)
    for row in rows:
        emb, sub, uni = row.split()[-5:-2]
        assert (emb, uni) == ("yes", "yes"), row


def test_a_rendered_page_is_kept_as_an_artefact_without_missing_glyphs(pdf):
    """Page 2 (海曙区) as PNG under artifacts/brief/ for people to look at; checks what can be checked."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for page in (1, 2):
        subprocess.run([_poppler("pdftoppm"), "-r", "110", "-png", "-singlefile", "-f", str(page), "-l", str(page),
                        str(pdf), str(ARTIFACTS / f"brief-page-{page}")], check=True, timeout=60)
    image = Image.open(ARTIFACTS / "brief-page-2.png").convert("RGB")
    assert image.size[1] > image.size[0] > 800  # A4 portrait
    pixels = np.asarray(image).reshape(-1, 3)
    for status, colour in STATUS_FILLS.items():
        rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
        if status != "on_track":  # the small sample may have no district on track
            assert (np.abs(pixels.astype(int) - rgb).sum(axis=1) < 6).sum() > 200, status
    ink = (pixels.sum(axis=1) < 200).mean()
    assert 0.005 < ink < 0.2  # text and outlines drawn, page not blank or black


def test_the_pdf_follows_the_district_filter_and_language(layers, tmp_path):
    result = export("brief", "pdf", layers, filters=Filters(year=2024, districts=("330206",)), store="t",
                    language="en")
    path = tmp_path / result.filename
    path.write_bytes(result.data)
    pages = _page_texts(path)
    assert len(pages) == 3  # the city, 北仑, the 亩均 page of both
    assert _squeeze("Ningbo: industrial space restructuring, 2024") in pages[0]
    assert _squeeze("Beilun: industrial space restructuring, 2024") in pages[1]
    assert _squeeze(SAMPLE_NOTICE_EN) in pages[1] and "Filters:Year2024;District:Beilun" in pages[1]
    assert "城市" not in pages[1] and "目标" not in pages[1]  # English table and notes
    assert "Landefficiencybydistrict,2024" in pages[2] and "Beilun" in pages[2] and "Haishu" not in pages[2]


# -- HTML --------------------------------------------------------------------------------------------
def test_html_escapes_every_name_from_the_data(html_brief):
    assert HOSTILE not in html_brief
    assert "<img src=x" not in html_brief
    assert html.escape(HOSTILE_PARK) in html_brief
    assert "<script" not in html_brief.lower()


def test_html_escapes_the_filters_it_prints(layers):
    """Filter values come from the data (industries) and are printed under every title."""
    hostile_industry = "<b>新材料</b>"
    filters = Filters(year=YEAR, districts=("330225",), industries=(hostile_industry,))
    text = export("brief", "html", layers, filters=filters, store="t").data.decode("utf-8")
    assert hostile_industry not in text
    assert text.count(f"产业：{html.escape(hostile_industry)}") == 3  # the city page, 象山县 and the 亩均 page


def test_html_is_self_contained_and_prints_a_page_per_area(html_brief):
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html_brief)
    assert "@import" not in html_brief and "url(" not in html_brief
    assert "default-src 'none'" in html_brief
    assert html_brief.count('<section class="page" id="area-') == 11
    assert html_brief.count('<section class="page"') == 12  # and the 亩均 page
    assert "break-after: page" in html_brief and "@page" in html_brief
    images = re.findall(r'<img alt="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html_brief)
    assert len(images) == 22 and len(re.findall(r"<img", html_brief)) == 22
    for image in images[:2]:
        assert base64.b64decode(image).startswith(b"\x89PNG\r\n\x1a\n")


def test_html_tables_match_the_summary(html_brief, layers):
    summary = build_summary(layers, year=YEAR, store="t", today=READ_ON)
    record = summary.long.set_index(["adcode", "key"]).loc[("330206", "strategic_parks")]
    section = html_brief.split('id="area-330206"')[1].split("</section>")[0]
    row = re.search(r'<tr data-key="strategic_parks">(.*?)</tr>', section).group(1)
    cells = [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
    assert cells[0] == "战略产业园（个）"
    assert cells[1:4] == [f"{record['baseline']:,.0f}", f"{record['actual']:,.0f}", f"约{record['target']:,.0f}"]
    assert cells[4] == f"{record['progress']:.0%} / 80%"
    assert cells[5] == f"{record['projected_2026']:,.0f} ({record['projected_progress']:.0%})"
    bar = re.search(r'<span class="bar">(.*?)</span>', row).group(1)  # progress in the status colour, pace tick
    assert f'class="fill {record["status"]}" style="width:{min(record["progress"], 1):.1%}"' in bar
    assert 'class="tick" style="left:80.0%"' in bar
    assert SAMPLE_NOTICE_ZH in section and "etdz_national_rank" not in section
    assert 'data-key="etdz_national_rank"' in html_brief.split('id="area-330200"')[1].split("</section>")[0]


def test_the_mujun_page_shows_each_districts_levels_growth_and_classes(pdf, html_brief, layers):
    """The last page: per district and the city, 规上 亩均税收 and 亩均增加值 of the year (万元/亩), their 2021 level,
    growth and source, the firms per class; sample marked. The figures are Σ ÷ Σ of the store's 规上 firms."""
    page = _page_texts(pdf)[-1]
    assert "亩均论英雄：各区县亩均效益（2025年）" in page and _squeeze(SAMPLE_NOTICE_ZH) in page
    assert "亩均税收（万元/亩）" in page and "筛选条件：年份2025" in page and "第12/12页" in page
    firms = layers["enterprises"]
    above = firms.loc[(firms["district_adcode"] == "330206") & (firms["group"] == "above_scale")]
    now, then = (above.loc[(above["year"] == year) & above["tax"].notna()] for year in (2025, 2021))
    level, base = now["tax"].sum() / now["land_mu"].sum(), then["tax"].sum() / then["land_mu"].sum()
    row = re.search(r'<tr data-adcode="330206">(.*?)</tr>', html_brief.split('id="mujun"')[1]).group(1)
    cells = [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
    assert cells[:5] == ["北仑区", f"{level:,.2f}", f"{base:,.2f}", f"{(level / base - 1) * 100:+.1f}%", "企业"]
    year = firms.loc[(firms["year"] == 2025) & (firms["district_adcode"] == "330206")]
    assert sum(int(c) for c in cells[-5:]) == len(year)  # every firm of the year in one class
    assert f"{level:,.2f}" in page


# -- pieces ------------------------------------------------------------------------------------------
def test_the_trend_charts_draw_the_target_and_the_pace_to_2026():
    """Land paced in a straight line to its target, the 亩均 index compounding to 140 (+40 %) in 2026."""
    from matplotlib.figure import Figure

    from spaces.exports.figures import Trend, draw_trend

    fig = Figure()
    land, index = fig.add_subplot(121), fig.add_subplot(122)
    trend = Trend(years=[2021, 2022, 2023], reclaimed_mu=[None, 100.0, 200.0], reclaimed_target_mu=1000.0,
                  tax_index=[100.0, 105.0, 112.0], value_added_index=[100.0, 104.0, 110.0], index_target=140.0,
                  running_year=2023)
    draw_trend(land, index, trend, language="zh")
    pace = {ax: next(line for line in ax.get_lines() if line.get_label() == "时间进度线") for ax in (land, index)}
    assert list(pace[land].get_xdata()) == [2021, 2022, 2023, 2024, 2025, 2026]
    assert list(pace[land].get_ydata()) == pytest.approx([0, 200, 400, 600, 800, 1000])
    assert list(pace[index].get_ydata())[3] == pytest.approx(100 * 1.4 ** 0.6)  # 2024: three fifths, compound
    assert list(pace[index].get_ydata())[-1] == pytest.approx(140)
    assert [label.get_text() for label in index.get_xticklabels()][2] == "2023\n进行中"


def test_brief_pages_leave_city_targets_to_the_city_page(layers):
    summary = build_summary(layers, year=YEAR, store="t")
    pages = brief_pages(summary, layers, layers)
    assert [page.adcode for page in pages][:2] == ["330200", "330203"]
    assert len(pages[0].rows) == 12 and len(pages[1].rows) == 11
    assert pages[1].trend.years == [2021, 2022, 2023, 2024, 2025]
    assert pages[1].trend.tax_index[0] == pytest.approx(100.0)
    assert HOSTILE_PARK in pages[1].parks


def test_wrapping_keeps_punctuation_off_line_starts_and_stops_at_max_lines():
    text = "完成率＝实际÷目标，" * 20
    lines = _wrap(text, 1.0, 8, max_lines=3).split("\n")
    assert len(lines) == 3 and lines[-1].endswith("…")
    assert not any(line.startswith("，") for line in lines)
    assert _wrap("短", 1.0, 8) == "短"


def test_no_cjk_font_fails_clearly(monkeypatch):
    monkeypatch.delenv("SPACES_CJK_FONT", raising=False)
    with pytest.raises(MissingFontError, match="fonts-noto-cjk"):
        find_cjk_font((), use_fontconfig=False)
    latin_only = str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf")
    with pytest.raises(MissingFontError):
        find_cjk_font((latin_only,), use_fontconfig=False)
    monkeypatch.setenv("SPACES_CJK_FONT", latin_only)
    with pytest.raises(MissingFontError):
        find_cjk_font((), use_fontconfig=False)
