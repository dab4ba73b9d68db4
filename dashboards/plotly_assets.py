"""Plotly's figure front-end is fetched from this server once per page, not sent with
every figure.

plotly's ``FigureWidget`` (an anywidget) carries its whole front-end, a 5 MB JavaScript
bundle, in each figure's ``_esm`` trait: every figure a page makes sends it over the
websocket again and the browser evaluates it again, which took seconds on a busy
machine (most of the wait for the compare page's first result, three times over on
the elephant page). Here the bundle is one static file served by this server
(Solara's assets route), each figure's ``_esm`` is a few lines that import it by URL,
and the browser keeps the module once loaded (its module map) and revalidates the file
from its cache. :func:`Preload` loads it while the page opens. Nothing leaves the server.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import plotly
import solara
import solara.server.settings
from plotly.basewidget import BaseFigureWidget

BUNDLE = Path(plotly.__file__).parent / "package_data" / "widgetbundle.js"
#: The bundle's URL on this server, as a module script computes it in the browser.
_IMPORT = (f'import(new URL((globalThis.solara?.rootPath ?? "") + "/static/assets/{BUNDLE.name}",'
           ' location.href).href)')
#: A figure's front-end: plotly's, imported from this server.
LOADER = f"export default (await {_IMPORT}).default;\n"


class _Preloader(anywidget.AnyWidget):
    """Shows nothing; loads the bundle when the page opens, before a figure needs it."""

    _esm = f"await {_IMPORT};\nexport default {{}};\n"


def install() -> None:
    """Serve the bundle and make every figure import it (the dashboard server calls this once)."""
    folder = str(BUNDLE.parent)
    if folder not in solara.server.settings.assets.extra_locations:
        solara.server.settings.assets.extra_locations.append(folder)
    BaseFigureWidget._esm = LOADER


@solara.component
def Preload():
    return _Preloader.element()
