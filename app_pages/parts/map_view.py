"""The map page's state around the chart (issue 12): where the map opens and flies, the search box (parks,
communities, plots by id or name), the counts and legend of what is drawn, and a selection the filters hide."""

import html

import streamlit as st

from spaces.geo.window import format_focus, window_view
from spaces.planning.filters import Filters
from spaces.reference.districts import load_districts
from spaces.reference.i18n import t
from spaces.reference.vocab import load_vocabularies
from spaces.view.deck import PlotDrawing, markdown_text, view_for
from spaces.view.legend import drawn_legend
from spaces.view.mapstate import (
    counts_line,
    districts_view,
    find_plot,
    hiding_filters,
    opening_view,
    revealing,
)

NAMED_PLOTS_LISTED = 5_000
CLASSES = ("A", "B", "C", "D", "T")  # named plots offered in the search list; any plot is found by typing its id or name


def settle_view(filters: Filters, plots: PlotDrawing | None, basemap: str, focus) -> None:
    """Set ``st.session_state["view"]`` for this run: a new session (a shared link) opens on its view, its
    focus or its districts; a change of the district filter flies to the districts chosen (the whole city when
    none); a click on a cell flies to the zoom window drawn around it."""
    state = st.session_state
    fly = state.pop("_fly", False)
    if "_flown_districts" not in state:  # the session's first run
        state["_flown_districts"] = filters.districts
        if not state.get("view"):
            windowed = plots is not None and plots.window is not None
            state["view"] = window_view(plots.window, basemap) if windowed else opening_view(
                view=None, focus=focus, districts=filters.districts, district_shapes=load_districts())
    elif filters.districts != state["_flown_districts"]:
        state["_flown_districts"] = filters.districts
        state["view"] = districts_view(load_districts(), filters.districts)
    if fly and plots is not None and plots.window is not None:
        state["view"] = window_view(plots.window, basemap)


def _select(everything, kind: str, ident: str, *, fly: bool) -> None:
    if kind != "plot":  # a plot is flown to, not selected: the detail panel is for parks, communities, districts
        st.session_state["selected"] = f"{kind}:{ident}"
    if fly:
        frame = everything[{"park": "parks", "community": "communities", "plot": "plots"}[kind]]
        geometry = frame.loc[frame[f"{kind}_id"] == ident].geometry.iloc[0]
        st.session_state["view"] = view_for(geometry)
        centre = geometry.centroid  # the plots around it come in full detail
        st.session_state["focus"] = format_focus(centre.x, centre.y)


def search_box(column, everything, language: str) -> None:
    """Find a park, a community or a plot (by id or name; typed text is searched among every plot)."""
    searchable = {f"park:{r.park_id}": r.name_zh for r in everything["parks"].itertuples()}
    searchable |= {f"community:{r.community_id}": r.name_zh for r in everything["communities"].itertuples()}
    named = everything["plots"].loc[everything["plots"]["name_zh"].notna()].head(NAMED_PLOTS_LISTED)
    searchable |= {f"plot:{r.plot_id}": f"{r.name_zh} · {r.plot_id}" for r in named.itertuples()}

    def _on_search() -> None:
        choice = st.session_state.get("search")
        if not choice:
            return
        if choice not in searchable:  # typed: a park's or community's name, else a plot's id or name
            wanted = choice.strip().casefold()
            named = next((key for key, name in searchable.items() if wanted and wanted in str(name).casefold()), None)
            found = named or (f"plot:{plot}" if (plot := find_plot(everything["plots"], choice)) else None)
            if found is None:
                st.session_state["_search_missed"] = choice
                return
            choice = found
        kind, _, ident = choice.partition(":")
        _select(everything, kind, ident, fly=True)

    column.selectbox(t("search_any", language), options=[None, *searchable], key="search", on_change=_on_search,
                     format_func=lambda key: "" if key is None else searchable.get(key, key), placeholder="…",
                     accept_new_options=True, help=t("search_any_help", language))
    missed = st.session_state.pop("_search_missed", None)
    if missed:
        st.toast(t("search_missed", language).format(text=markdown_text(missed)))


def counts_and_hint(shown, *, visible, language: str) -> None:
    """Above the map: what it draws after the filters, or why it is blank."""
    if not visible:
        st.info(t("map_no_layer", language), icon=":material/layers:")
        return
    line = counts_line(shown, visible=visible, language=language)
    if line:
        st.caption(line)


def map_legend(shown, *, visible, choropleth, plots, language: str, status_labels: dict[str, str],
               title: str | None = None, firms: list[dict] | None = None) -> None:
    """Swatches of the colours drawn, wrapped; ``title`` (what the district colours mean) first."""
    swatches = drawn_legend(shown, visible=visible, choropleth=choropleth, plots=plots, language=language,
                            status_labels=status_labels, firms=firms)
    parts = [f"<b>{html.escape(title)}</b><br>"] if title and "districts" in visible else []
    for text, c in swatches:
        if c is None:
            parts.append(f"<br><b>{html.escape(text)}</b><br>")
            continue
        parts.append(f"<span style='white-space:nowrap;margin-right:12px'><span style='display:inline-block;"
                     f"width:12px;height:12px;background:rgba({c[0]},{c[1]},{c[2]},{c[3] / 255:.2f});"
                     f"margin-right:4px;vertical-align:middle'></span>{html.escape(text)}</span>")
    if parts:
        st.markdown(f"<div style='font-size:0.8rem;line-height:1.6'>{' '.join(parts)}</div>",
                    unsafe_allow_html=True)  # our own catalogue text, escaped all the same


def hidden_notice(everything, shown, filters: Filters, language: str) -> None:
    """When the selected park or community is hidden by a filter: say which, and offer to show it."""
    selected = st.session_state.get("selected")
    hiding = hiding_filters(everything, filters, selected, shown=shown)
    if not hiding:
        return
    values = revealing(everything, selected, hiding)
    kind, _, ident = selected.partition(":")
    frame = everything["parks" if kind == "park" else "communities"]
    name = frame.loc[frame[f"{kind}_id"] == ident, "name_zh"].iloc[0]
    names = [t("hidden_year", language).format(year=values["year"]) if field == "year" else t(field, language)
             for field in hiding]
    text = t("hidden_selection", language).format(name=markdown_text(name),  # the store's text, shown as text
                                                  filters=t("list_separator", language).join(names))
    st.warning(text, icon=":material/visibility_off:")
    st.button(t("show_hidden", language), key="show_hidden", icon=":material/visibility:",
              on_click=lambda: st.session_state.update(values))


def firm_filters(language: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The enterprises layer's own filters (class, the official one where given; group): all when empty."""
    vocab = load_vocabularies()
    grades, groups = vocab["grade"].labels(language), vocab["group"].labels(language)
    left, right = st.columns(2)
    classes = left.multiselect(t("firm_classes", language), options=list(CLASSES), key="firm_classes",
                               placeholder=t("all", language), format_func=grades.get)
    chosen_groups = right.multiselect(t("firm_groups", language), options=list(groups), key="firm_groups",
                                      placeholder=t("all", language), format_func=groups.get)
    return tuple(classes), tuple(chosen_groups)
