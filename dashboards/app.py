"""The samenspel dashboard: ``solara run dashboards.app`` (or ``make run``).

Routes: ``/compare`` (policy makers), ``/elephant`` (trainers), ``/sweeps``
(researchers) and ``/about`` (the model, generated from its declarations). There
is no code console: nothing typed into a page is run as code.
"""

from __future__ import annotations

import threading

import solara

from . import about, compare, elephant, figures, plotly_view, runner, sweeps
from .common import Guard, lang
from .i18n import t

_PAGES = (("compare", "nav_compare", compare.Page), ("elephant", "nav_elephant", elephant.Page),
          ("sweeps", "nav_sweeps", sweeps.Page), ("about", "nav_about", about.Page))


@solara.component
def Layout(children=()):
    language = lang.value
    with solara.AppLayout(title=t("app_title", language), navigation=False) as layout:
        with solara.AppBar():
            with solara.AppBarTitle():  # inside the bar: a separate child would become a sidebar
                solara.Text(t("app_title", language))
            for path, key, _ in _PAGES:
                with solara.Link(f"/{path}"):
                    solara.Button(t(key, language), text=True, style={"color": "white"})
            solara.Button(t("language", language), text=True, style={"color": "white"},
                          on_click=lambda: lang.set("nl" if lang.value == "en" else "en"))
        Guard(children=children)
    return layout


def warm_up() -> None:
    """What the first result needs, made ready as the server starts rather than on the
    first click: the worker processes, and plotly's figure code in this process."""
    runner.queue().warm_up()
    figures.warm_up()


plotly_view.install()
threading.Thread(target=warm_up, name="samenspel-warm-up", daemon=True).start()

routes = [
    solara.Route(path="/", component=compare.Page, label="compare", layout=Layout),
    *[solara.Route(path=path, component=page, label=path) for path, _, page in _PAGES],
]
