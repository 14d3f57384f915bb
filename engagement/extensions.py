"""What other apps add to the engagement pages, registered from their `AppConfig.ready()`.

The core's templates name none of the feature apps: the header's tabs and the overview's
summary panels come from here, so the core never imports sow, payments or kpis.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Tab:
    key: str  # the `tab` a page passes to the header, to mark the current tab
    label: str
    url_name: str  # reversed with the engagement's pk
    order: int


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    template: str
    context: object  # callable(engagement, user) -> dict for the template
    order: int


_tabs = {}
_panels = {}


def register_tab(key, label, url_name, *, order):
    _tabs[key] = Tab(key, label, url_name, order)


def register_panel(key, title, template, context, *, order):
    _panels[key] = Panel(key, title, template, context, order)


def tabs():
    return sorted(_tabs.values(), key=lambda t: t.order)


def panels():
    return sorted(_panels.values(), key=lambda p: p.order)


@dataclass(frozen=True)
class SearchKind:
    key: str
    label: str  # "Clauses"
    search: object  # callable(user, text, limit) -> [(title, url, snippet)]
    order: int


_search = {}


def register_search(key, label, search, *, order):
    """Another app's kind of search result (clauses, SOW sections), shown grouped."""
    _search[key] = SearchKind(key, label, search, order)


def search_kinds():
    return sorted(_search.values(), key=lambda k: k.order)


@dataclass(frozen=True)
class ListColumn:
    key: str
    label: str
    values: object  # callable(engagement_ids) -> {id: {"text": str, "share": float | None}}
    order: int


_columns = {}


def register_list_column(key, label, values, *, order):
    """A progress column another app adds to the engagement list, read for a page of
    engagements at once."""
    _columns[key] = ListColumn(key, label, values, order)


def list_columns():
    return sorted(_columns.values(), key=lambda c: c.order)
