"""A plotly figure on a page, drawn by plotly.js that the page loads once from this server.

plotly's own widget (``go.FigureWidget``, an anywidget) carries plotly's whole front-end,
a 5 MB bundle, inside every figure it makes: the server sends it again and the browser
evaluates it again for each new figure, and a click made meanwhile waited 1.5-4 s. That
bundle cannot simply be fetched once instead: anywidget drops every message to a widget
whose front-end takes over 2 s to load (a busy machine, two tabs at once), and such a
figure stays empty.

Here a figure is a small Vue template (as Solara's own echarts figure) whose one state is
the figure's JSON. The page loads ``plotly.min.js`` from this server with a script tag the
first time it shows a figure (:func:`install` serves it; nothing leaves the machine), and
draws the latest state whenever plotly.js is there, so nothing is lost while it loads. A
changed figure is one string sent; ``Plotly.react`` redraws what changed, in place.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import ipyvuetify
import plotly
import solara
import solara.server.settings
import traitlets

T = TypeVar("T")

#: plotly.js as the installed plotly ships it (the version its figures are written for).
BUNDLE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

_TEMPLATE = """
<template>
  <div ref="plot" style="width: 100%"></div>
</template>
<script>
module.exports = {
  mounted() {
    // redrawn at the new width when the page's layout changes it
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(this.$refs.plot);
    this.draw();
  },
  beforeDestroy() {
    this.observer.disconnect();
    if (window.Plotly) window.Plotly.purge(this.$refs.plot);
  },
  beforeUnmount() {
    this.$options.beforeDestroy.call(this);
  },
  watch: {
    figure() {
      this.draw();
    },
  },
  methods: {
    plotly() {
      // one script tag per page, shared by all its figures
      if (!window.samenspelPlotly) {
        window.samenspelPlotly = new Promise((resolve, reject) => {
          const script = document.createElement("script");
          script.src = ((window.solara && window.solara.rootPath) || "") + this.src;
          script.onload = () => resolve(window.Plotly);
          script.onerror = () => {
            window.samenspelPlotly = null;
            reject(new Error(`plotly.js did not load from ${script.src}`));
          };
          document.head.appendChild(script);
        });
      }
      return window.samenspelPlotly;
    },
    async draw() {
      const figure = this.figure;
      const Plotly = await this.plotly();
      if (figure !== this.figure) return;  // a newer figure came meanwhile and draws itself
      const { data = [], layout = {} } = JSON.parse(figure);
      if (!this.offscreen) {
        await Plotly.react(this.$refs.plot, data, layout, { displaylogo: false });
        return;
      }
      // out of sight, in a box of its own that goes again (nothing of it stays on the page)
      const box = document.createElement("div");
      box.style.cssText = "position: absolute; left: -10000px; width: 1000px";
      document.body.appendChild(box);
      await Plotly.newPlot(box, data, layout);
      Plotly.purge(box);
      box.remove();
      window.samenspelPlotlyReady = true;  // loaded and warmed: what the bench waits for
    },
    resize() {
      const el = this.$refs.plot;
      if (window.Plotly && el._fullLayout && el._fullLayout.width !== el.clientWidth) {
        window.Plotly.Plots.resize(el);
      }
    },
  },
};
</script>
"""


class PlotlyView(ipyvuetify.VuetifyTemplate):
    """The widget: ``figure`` is a plotly figure's JSON (``fig.to_json()``); ``offscreen``:
    drawn out of sight, then dropped (what :func:`Preload` draws)."""

    figure = traitlets.Unicode("").tag(sync=True)
    offscreen = traitlets.Bool(False).tag(sync=True)
    src = traitlets.Unicode(f"/static/assets/{BUNDLE.name}").tag(sync=True)

    @traitlets.default("template")
    def _template(self) -> str:
        return _TEMPLATE


def install() -> None:
    """Serve plotly.js among this server's static assets (the dashboard calls this once)."""
    folder = str(BUNDLE.parent)
    if folder not in solara.server.settings.assets.extra_locations:
        solara.server.settings.assets.extra_locations.append(folder)


@solara.component
def Figure(figure_json: str):
    """A figure from its JSON; a new JSON redraws the same widget in place."""
    return PlotlyView.element(figure=figure_json)


def to_json(fig) -> str | None:
    """What :func:`Figure` draws of a plotly figure, or None for no figure."""
    return None if fig is None else fig.to_json()


def use_figure(make: Callable[[], object], dependencies: list) -> str | None:
    """The JSON of the figure ``make()`` returns (None for none), made again only when
    ``dependencies`` change: for a figure cheap to make (tens of ms), made in the render."""
    return solara.use_memo(lambda: to_json(make()), dependencies)


def use_made(make: Callable[[], T], dependencies: list) -> T | None:
    """What ``make()`` returns, made in a thread of this tab rather than in a render (for
    what takes long: reading results, bootstraps, several figures); None until the first
    is made. While the next is made the last one stays on screen, so a figure is redrawn
    in place rather than taken away and made anew; ``make`` is to return what its result
    belongs to when that matters. Its error is raised in the render."""
    result = solara.use_thread(make, dependencies=dependencies, intrusive_cancel=False)
    if result.error is not None:
        raise result.error
    return result.value


@solara.component
def Preload(figure_json: str):
    """Loads plotly.js as the page opens, while its user reads and chooses, and draws
    ``figure_json`` out of sight: plotly.js's evaluation holds the browser for a second or
    more (several on a busy machine), and so does compiling its drawing code on the
    first figure; both would otherwise fall on the first result, when clicks come."""
    return PlotlyView.element(figure=figure_json, offscreen=True)
