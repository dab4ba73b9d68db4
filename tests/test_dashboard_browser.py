"""The dashboard end to end in Debian's chromium, against the server on 127.0.0.1.

These tests fail (never skip) when chromium is missing: CI installs it (.ci/run).
Small comparisons (2 replications, 45 days) keep them quick.
"""

from __future__ import annotations

import re
import shutil
import sys
import urllib.parse
from pathlib import Path

import pytest
from dashboard_helpers import ROOT, served_dashboard

sys.path.insert(0, str(ROOT / "scripts"))
import solara_assets  # noqa: E402

from dashboards.plotly_view import BUNDLE  # noqa: E402
from sim.kpis import KPIS  # noqa: E402

SMALL = "replications=2&days=45"
CDN = re.compile(r"/_solara/cdn/((?:@[^/]+/)?[^/@]+@[^/]+)/")


@pytest.fixture(scope="module")
def results_root(tmp_path_factory) -> Path:
    """What the sweeps page can open: a small grid sweep (``tiny``) and a quick robustness
    run (``robust``)."""
    from test_dashboard_pages import EXPERIMENT
    from test_robustness import QUICK

    from sim.lab.executors import SerialExecutor
    from sim.lab.experiment import experiment_from_text
    from sim.lab.robustness import load_robustness, run_robustness
    from sim.lab.sweep import run_sweep

    root = tmp_path_factory.mktemp("results")
    run_sweep(experiment_from_text(EXPERIMENT.format(
        name="tiny", replications=2, days=60, uncertainties=(
            '[uncertainties]\n"needs.rate_per_resident_year" = { lo = 2.5, hi = 5.0, n = 3 }\n'
        ))), root / "tiny", progress=False)
    quick = root.parent / "robustness_quick.toml"
    quick.write_text(QUICK, encoding="utf-8")
    run_robustness(load_robustness(quick), root / "robust", executor=SerialExecutor(),
                   progress=False)
    return root


@pytest.fixture(scope="module")
def server(results_root):
    with served_dashboard(env={"SAMENSPEL_RESULTS_ROOT": str(results_root)}) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("Debian's chromium is missing: apt-get install chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield b
        b.close()


class Tab:
    """A browser tab that records every address it asks for and every failed response."""

    def __init__(self, context):
        self.page = context.new_page()
        self.page.set_viewport_size({"width": 1300, "height": 2400})
        self.urls: list[str] = []
        self.failed: list[str] = []
        self.frames: list[int] = []  # bytes of each websocket message, either way
        self.page.on("request", lambda r: self.urls.append(r.url))
        self.page.on("websocket", self._websocket)
        self.page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}")
                     if r.status >= 400 else None)

    def _websocket(self, ws) -> None:
        self.urls.append(ws.url)
        ws.on("framereceived", lambda payload: self.frames.append(len(payload)))
        ws.on("framesent", lambda payload: self.frames.append(len(payload)))

    def plotly_fetches(self) -> list[str]:
        """The requests for plotly.js, which the page loads from this server."""
        return [u for u in self.urls if u.endswith(f"/static/assets/{BUNDLE.name}")]

    def figure(self, text: str, timeout_s: float = 60):
        """The first drawn figure that shows ``text``, once it does."""
        found = self.page.locator(".js-plotly-plot", has_text=text).first
        found.wait_for(timeout=timeout_s * 1000)
        return found

    def open(self, url: str, heading: str):
        self.page.goto(url)
        self.text(heading, 60)
        return self

    def text(self, text: str, timeout_s: float = 60):
        self.page.get_by_text(text).first.wait_for(timeout=timeout_s * 1000)

    def off_machine(self) -> list[str]:
        """Addresses other than this machine's (blob: and data: stay in the browser)."""
        out = []
        for url in self.urls:
            parts = urllib.parse.urlsplit(url)
            if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != "127.0.0.1":
                out.append(url)
        return out


@pytest.fixture
def tab(browser):
    context = browser.new_context()
    yield Tab(context)
    context.close()


def test_the_link_runs_its_comparison_offline_and_reproduces_its_choices(server, tab, tmp_path):
    query = f"scenarios=rotterdam_vraagwijzer,schiedam_walk_in_triage&{SMALL}"
    tab.open(f"{server}/compare?{query}", "Compare access scenarios")
    tab.text("What changes", 120)
    tab.page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    tab.page.screenshot(path=str(tmp_path / "compare.png"))
    assert tab.page.get_by_text(f"/compare?{query}").count() >= 1, \
        "expected the page's own link to carry the same choices"
    assert tab.page.get_by_text("schiedam_walk_in_triage", exact=True).count() >= 1, \
        "expected the second scenario chosen from the link"
    from dashboards.choices import MAX_DAYS, MAX_REPLICATIONS

    for most, value in ((MAX_REPLICATIONS, "2"), (MAX_DAYS, "45")):
        shown = tab.page.locator(f'[role="slider"][aria-valuemax="{most}"]').get_attribute(
            "aria-valuenow")
        assert shown == value, f"expected the slider up to {most} to show the link's {value}, " \
            f"not {shown}"
    assert not tab.off_machine(), f"expected no request to leave 127.0.0.1: {tab.off_machine()}"
    asked = {m.group(1) for u in tab.urls if (m := CDN.search(u))}
    assert asked and asked <= set(solara_assets.packages()), \
        f"expected every front-end package asked for ({sorted(asked)}) to be in the list " \
        f"scripts/solara_assets.py fills ({solara_assets.packages()})"
    assert not tab.failed, f"expected every request to succeed: {tab.failed}"


def test_a_changed_control_reruns_and_the_figure_updates(server, tab, tmp_path):
    tab.open(f"{server}/compare?scenarios=rotterdam_vraagwijzer,schiedam_walk_in&{SMALL}",
             "Compare access scenarios")
    tab.text("What changes", 120)
    figure = tab.page.locator(".js-plotly-plot").first
    figure.wait_for(timeout=60_000)
    assert "#2" not in figure.text_content()
    tab.page.get_by_role("button", name="Add a scenario").click()
    tab.page.get_by_role("button", name="Run the comparison").click()
    tab.page.locator(".js-plotly-plot", has_text="schiedam_walk_in #2").first.wait_for(
        timeout=120_000)
    tab.page.screenshot(path=str(tmp_path / "compare-three.png"))
    tab.page.get_by_role("button", name="Nederlands").click()
    tab.text("Toegangsscenario's vergelijken", 30)
    fetched = tab.plotly_fetches()
    assert len(fetched) == 1, f"expected plotly.js fetched from the server once for the page " \
        f"and both comparisons' figures, not sent inside each figure; fetched: {fetched}"


def test_the_report_and_the_runs_download_with_seed_hash_and_code(server, tab, tmp_path):
    import sim
    from sim.results import scenario_hash

    tab.open(f"{server}/compare?scenarios=rotterdam_vraagwijzer,schiedam_walk_in&{SMALL}",
             "Compare access scenarios")
    tab.page.get_by_role("button", name="Day by day").wait_for(timeout=120_000)
    files = {}
    for label in ("Report (report.html)", "Runs (CSV)"):
        with tab.page.expect_download(timeout=60_000) as download:
            tab.page.get_by_role("button", name=label).click()
        files[label] = Path(download.value.path()).read_text(encoding="utf-8")
    report, runs = files["Report (report.html)"], files["Runs (CSV)"]
    for name in ("rotterdam_vraagwijzer", "schiedam_walk_in"):
        digest = scenario_hash(sim.load_scenario(name))
        assert f"{name} {digest}" in report and digest in runs, \
            f"expected {name}'s scenario hash {digest} in the report and the runs"
    assert sim.code_version() in report and "master seed" in report, \
        "expected the report to name the code version and the seed"
    assert "plotly" in report and not re.search(r"<script[^>]+src=.http", report), \
        "expected the report's figures to work offline (plotly inline, no CDN)"
    figure = {}
    for label in ("Figure (PNG)", "Figure (SVG)"):
        with tab.page.expect_download(timeout=120_000) as download:
            tab.page.get_by_role("button", name=label).click()
        figure[label] = (download.value.suggested_filename,
                         Path(download.value.path()).read_bytes())
    (png_name, png), (svg_name, svg) = figure["Figure (PNG)"], figure["Figure (SVG)"]
    assert png.startswith(b"\x89PNG") and png_name.startswith("differences_") \
        and sim.code_version() in png_name, \
        f"expected the differences figure as a PNG named with the code version, got {png_name}"
    assert svg_name.endswith(".svg") and b"<svg" in svg \
        and f"code {sim.code_version()}".encode() in svg \
        and digest.encode() in svg, \
        "expected the SVG figure to carry the scenario hashes and the code version"


def test_every_page_loads_and_answers_a_control(server, tab, tmp_path):
    tab.open(f"{server}/elephant", "The elephant in the room")
    street = tab.page.locator(".js-plotly-plot", has_text="With 5 who see it").first
    street.wait_for(timeout=60_000)
    assert "Day 0" in street.text_content() and "has not noticed" in street.text_content(), \
        "expected the street to show who has not noticed the need"
    tab.page.get_by_role("button", name="Next day").click()
    tab.page.locator(".js-plotly-plot", has_text="Day 1").first.wait_for(timeout=30_000)
    tab.page.screenshot(path=str(tmp_path / "elephant.png"))
    tab.open(f"{server}/sweeps", "Only directories under the results root")
    tab.page.screenshot(path=str(tmp_path / "sweeps.png"))
    tab.open(f"{server}/about", "What each outcome means")
    tab.text(KPIS["crises"].meaning_en)
    tab.page.screenshot(path=str(tmp_path / "about.png"))
    assert not tab.off_machine(), f"expected no request to leave 127.0.0.1: {tab.off_machine()}"


def test_two_users_at_once_each_see_only_their_own_comparison(server, browser):
    contexts = [browser.new_context(), browser.new_context()]
    try:
        a, b = (Tab(c) for c in contexts)
        a.page.goto(f"{server}/compare?scenarios=rotterdam_vraagwijzer,schiedam_walk_in&{SMALL}")
        b.page.goto(f"{server}/compare?scenarios=dordrecht_meeting_place,"
                    f"vlaardingen_klussenbank&{SMALL}")
        # the differences figure names the scenarios each user compared, and no others
        for t, own, other in ((a, "schiedam_walk_in", "vlaardingen_klussenbank"),
                              (b, "vlaardingen_klussenbank", "schiedam_walk_in")):
            t.text("What changes", 180)
            figure = t.page.locator(".js-plotly-plot", has_text=own).first
            figure.wait_for(timeout=60_000)
            assert other not in figure.text_content(), \
                f"expected the user who compared {own} not to see {other}"
            assert t.page.get_by_text(re.compile(f"{other} .* than")).count() == 0, \
                f"expected no headline about {other} on the page of the user comparing {own}"
    finally:
        for c in contexts:
            c.close()


def test_the_asset_list_matches_what_the_served_page_names(server):
    import urllib.request

    with urllib.request.urlopen(f"{server}/compare", timeout=30) as r:
        html = r.read().decode()
    named = set(CDN.findall(html))
    listed = set(solara_assets.packages())
    assert named and named <= listed, f"expected the page's packages {sorted(named)} in " \
        f"{sorted(listed)}"
    cache = solara_assets.cache_dir()
    missing = [p for p in listed if not (cache / p / "package.json").is_file()]
    assert not missing, f"expected every listed package unpacked in {cache}: {missing}"
    assert Path(cache).is_relative_to(Path(sys.prefix)), "expected the cache inside the venv"


#: Largest websocket message a page may send either way: a figure is its JSON (tens of kB);
#: plotly's own widget sent plotly.js with every figure, 5 MB each.
MAX_MESSAGE_BYTES = 1_000_000


def _elephant(tab: Tab) -> None:
    """Both streets and the curve drawn; a step redraws the street in place (the same
    element, Plotly.react), not a new figure."""
    street = tab.figure("With 5 who see it")
    tab.figure("trials")
    street.evaluate("el => { el.dataset.before = 'step'; }")
    tab.page.get_by_role("button", name="Next day").click()
    tab.figure("With 5 who see it: Day 1", 30)
    assert tab.page.locator(".js-plotly-plot[data-before='step']", has_text="Day 1").count() \
        == 1, "expected the street redrawn in place by the step, not replaced by a new figure"


def _sweeps(tab: Tab) -> None:
    """A grid sweep's KPI, parallel coordinates and sensitivity figures, then a robustness
    run's shares and PRIM boxes, opened one after the other in one page."""
    for name, texts in (("tiny", ("Parallel coordinates", "Sensitivity: ")),
                        ("robust", ("beats", "PRIM boxes"))):
        tab.page.get_by_label("Results directory").last.fill(name)
        tab.page.get_by_role("button", name="Open").click()
        for text in texts:
            tab.figure(text, 120)


def _compare(tab: Tab) -> None:
    tab.text("What changes", 180)
    tab.page.get_by_role("button", name="Day by day").wait_for(timeout=180_000)
    tab.figure("schiedam_walk_in")


@pytest.mark.parametrize(("path", "heading", "show"), [
    ("elephant", "The elephant in the room", _elephant),
    ("sweeps", "Only directories under the results root", _sweeps),
    ("compare?scenarios=rotterdam_vraagwijzer,schiedam_walk_in&" + SMALL,
     "Compare access scenarios", _compare)], ids=["elephant", "sweeps", "compare"])
def test_no_page_sends_plotly_over_the_websocket_and_loads_it_once(server, tab, tmp_path,
                                                                   path, heading, show):
    tab.open(f"{server}/{path}", heading)
    show(tab)
    tab.page.screenshot(path=str(tmp_path / f"{path.split('?')[0]}.png"))
    assert tab.frames and max(tab.frames) < MAX_MESSAGE_BYTES, \
        f"expected every websocket message under {MAX_MESSAGE_BYTES:,} bytes (figures as " \
        f"JSON, plotly.js fetched once), the largest was {max(tab.frames, default=0):,}"
    assert len(tab.plotly_fetches()) == 1, f"expected plotly.js fetched once for the page " \
        f"load and all its figures: {tab.plotly_fetches()}"
    assert not tab.failed, f"expected every request to succeed: {tab.failed}"
