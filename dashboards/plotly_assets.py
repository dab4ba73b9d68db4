"""The compare page's figure fetches plotly's front-end from this server once per page,
instead of receiving it with every figure.

plotly's ``FigureWidget`` (an anywidget) carries its whole front-end, a 5 MB JavaScript
bundle, in each figure's ``_esm`` trait: every figure sends it over the websocket again
and the browser evaluates it again, which took seconds on a busy machine, in the wait
for the compare page's first result. Here the bundle is one static file served by this
server (Solara's assets route); :func:`Preload` imports it while the page opens, the
browser keeps the module (its module map), and :func:`Figure`'s ``_esm`` is a line that
imports it from there. Nothing leaves the server.

A figure is made only once the tab's browser has the bundle: anywidget gives a widget
2 s to load its front-end and then drops the messages that draw its data, so a figure
made while the bundle still loads on a busy machine would stay empty.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import plotly
import solara
import solara.server.settings
import traitlets
from plotly.graph_objs._figurewidget import FigureWidget

BUNDLE = Path(plotly.__file__).parent / "package_data" / "widgetbundle.js"
#: The bundle's URL on this server, as a module script computes it in the browser.
_IMPORT = (f'import(new URL((globalThis.solara?.rootPath ?? "") + "/static/assets/{BUNDLE.name}",'
           ' location.href).href)')

#: This tab: a :func:`Preload` is on its page, and the bundle has loaded in its browser.
preloading = solara.reactive(False)
loaded = solara.reactive(False)


class _Preloader(anywidget.AnyWidget):
    """Shows nothing; loads the bundle when the page opens and says when it has."""

    _esm = ("export default { async initialize({ model }) { await " + _IMPORT
            + "; model.set('loaded', true); model.save_changes(); } };\n")
    loaded = traitlets.Bool(False).tag(sync=True)


class _Figure(FigureWidget):
    """plotly's figure widget with its front-end imported from this server."""

    _esm = f"export default (await {_IMPORT}).default;\n"


def install() -> None:
    """Serve the bundle (the dashboard server calls this once)."""
    folder = str(BUNDLE.parent)
    if folder not in solara.server.settings.assets.extra_locations:
        solara.server.settings.assets.extra_locations.append(folder)


@solara.component
def Preload():
    solara.use_effect(lambda: preloading.set(True), [])
    return _Preloader.element(on_loaded=loaded.set)


@solara.component
def Figure(fig, dependencies: list):
    """``fig`` drawn, redrawn when ``dependencies`` change (as ``solara.FigurePlotly``);
    nothing until the bundle is in the browser (a page without :func:`Preload`, as in
    tests without a browser, does not wait)."""
    ready = loaded.value or not preloading.value
    element = _Figure.element()

    def update() -> None:
        if not ready:
            return
        widget = solara.get_widget(element)
        widget.layout = fig.layout
        before = len(widget.data)
        widget.add_traces(fig.data)
        widget.data = widget.data[before:]

    solara.use_effect(update, [*dependencies, ready])
    return element if ready else None
