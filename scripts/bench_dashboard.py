"""Dashboard figures for `make bench`: printed, never asserted.

Targets (issue 8), measured in Debian's chromium against the server on 127.0.0.1,
on the compare page with its two default presets (the front desk against walk-in)
and 10 paired replications, the horizon set to 730 days with the page's slider (the
horizon the first-result target names), each run from a warm start:

* first paired result on screen: from the click on "Run" until the first headline
  sentence ("better in 1 of 1 paired runs") is shown (target 5 s);
* all 10 x 2 replications (of the same 730 days): from the click until the page shows
  the batch done (target 30 s on 2 cores);
* click latency while runs go on: from a click that adds a scenario card (or
  removes it again) until the card is shown (or gone), target 200 ms, median and
  worst of several clicks during the batch. Timed in the page, from the click
  event's own time stamp to the frame after the change (a page busy drawing makes
  the click wait, and that wait counts), and beside it as the test driver sees it,
  which adds its polling; the same clicks before the run, with
  nothing running, and the machine's load average beside them, since on a shared
  machine the wait for a core is part of every figure; and, as the heaviest click,
  the language switch, which redraws the whole page.

A fresh server is started, as by ``make run``; its worker processes start (and warm
up) with it. The page counts as loaded when its title shows and plotly.js, which it
loads as it opens to draw its figures, is there; the idle clicks and the horizon's
setting come after that and before the click on "Run", as a user's would.

Where the first result's time goes is split with the same batch run without a page:
the two runs themselves (worker processes already warm), the same with the worker
processes started on the click (spawn, imports, a first run's one-off costs: what
the server's warm start saves), and the server's making of the headline and figure
from the first pair; what is left of the page's figure is the click, the websocket
and the drawing in the browser.

Usage: ``python scripts/bench_dashboard.py [--clicks N]``
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from dashboard_helpers import served_dashboard  # noqa: E402

TITLES = {"en": "Compare access scenarios", "nl": "Toegangsscenario's vergelijken"}
#: True in the page once plotly.js, which the page loads as it opens, is there and has
#: drawn its first figure (dashboards/plotly_view.py).
PLOTLY_LOADED = "() => window.samenspelPlotlyReady === true"
#: The horizon of the first-result target (issue 8), in days.
DAYS = 730
REPLICATIONS = 10


def _request():
    from dashboards.choices import Choices, build_request

    return build_request(Choices(replications=REPLICATIONS, days=DAYS))


def first_pair(view) -> bool:
    return any((0, r) in view.results and (1, r) in view.results
               for r in range(REPLICATIONS))


def runner_alone(warm: bool) -> tuple[float, float, object]:
    """The page's batch through the worker pool without a page: seconds to the first
    pair, to all runs (NaN when not waited for) and the view at the first pair.

    ``warm``: the pool is started and warmed up first, as the server does when it starts;
    otherwise the worker processes start on the submit, and the batch is cancelled at
    its first pair.
    """
    from dashboards.runner import BatchQueue, warm_task

    batches = BatchQueue(warm=warm_task())
    if warm:
        batches.warm_up()
    t0 = time.perf_counter()
    batch = batches.submit(_request())
    first, at_first = math.nan, None
    while True:
        view = batch.view()
        if at_first is None and first_pair(view):
            first, at_first = time.perf_counter() - t0, view
            if not warm:
                batch.cancel()
        if view.finished:
            total = time.perf_counter() - t0 if view.state == "done" else math.nan
            batches._stop_pool()
            return first, total, at_first
        batch.wait(view.version, 1.0)


def results_made(view) -> float:
    """Seconds the server takes to make the headline and the differences figure from
    the first pair (its imports done beforehand, as the server's warm-up does)."""
    from dashboards import analysis, compare, figures

    figures.warm_up()
    request = _request()
    t0 = time.perf_counter()
    compare.prepare(analysis.compute(view, request), request, "en")
    return time.perf_counter() - t0


def set_horizon(page, days: int) -> None:
    """The horizon slider moved to ``days`` with the keyboard, as a user can; waits
    until the server has it (the shareable link shows it), moving it again if a render
    of the page's earlier state put it back meanwhile."""
    from playwright.sync_api import TimeoutError as Timeout

    from dashboards.choices import MAX_DAYS

    thumb = page.locator(f'[role="slider"][aria-valuemax="{MAX_DAYS}"]')
    for attempt in range(5):
        thumb.focus()
        thumb.press("ArrowRight" if attempt else "PageUp")
        for _ in range(100):
            now = int(thumb.get_attribute("aria-valuenow"))
            if now == days:
                break
            thumb.press("ArrowRight" if now < days else "ArrowLeft")
        try:
            page.locator("a", has_text=f"days={days}").wait_for(timeout=10_000)
            return
        except Timeout:
            continue
    raise AssertionError(f"expected the horizon slider to reach {days} days")


#: Armed before a click: records the click's own time stamp (when the user's click
#: happened, so a busy page's wait to handle it counts), the moment the third card is
#: added or gone, and the next frame after it, when the change is on screen.
ARM_CLICK = """(adding) => {
  const shown = () => Array.from(document.querySelectorAll('.v-card-title'))
    .some(e => e.textContent.trim() === 'Scenario 3');
  const w = window.samenspelClick = {click: null, change: null, paint: null};
  document.addEventListener('click', e => { w.click = e.timeStamp; },
                            {capture: true, once: true});
  const observer = new MutationObserver(() => {
    if (shown() !== adding) return;
    observer.disconnect();
    w.change = performance.now();
    requestAnimationFrame(() => setTimeout(() => { w.paint = performance.now(); }, 0));
  });
  observer.observe(document.body, {childList: true, subtree: true});
}"""


def toggle_card(page, third, i: int) -> tuple[float, float]:
    """Even ``i`` adds a third scenario card, odd ``i`` removes it again. Returns the
    seconds the page took from the click to the change on screen (the user's wait), and
    the seconds the test driver took from its click until it saw the change (its own
    polling included). The click is made at the button's place without waiting for the
    page to be idle, as a user's is, so a click that lands while the page draws waits."""
    adding = i % 2 == 0
    button = (page.get_by_role("button", name="Add a scenario") if adding
              else page.get_by_role("button", name="Remove").last)
    box = button.bounding_box()
    page.evaluate(ARM_CLICK, adding)
    t1 = time.perf_counter()
    # at the button's place, at once: a user's click does not wait for the page to be idle
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    third.wait_for(state="visible" if adding else "detached", timeout=60_000)
    driver = time.perf_counter() - t1
    page.wait_for_function("() => window.samenspelClick.paint !== null", timeout=60_000)
    w = page.evaluate("() => window.samenspelClick")
    return (w["paint"] - w["click"]) / 1000, driver


def _clicks(label: str, timed: list[tuple[float, float]], load: float) -> str:
    on_page, driver = [x for x, _ in timed], [x for _, x in timed]
    return (f"dashboard: a click (add or remove a scenario card) {label}: on the page (from "
            f"the click to the change on screen) {statistics.median(on_page) * 1000:.0f} ms "
            f"median, {sorted(on_page)[math.ceil(0.9 * len(on_page)) - 1] * 1000:.0f} ms 90th "
            f"percentile, {max(on_page) * 1000:.0f} ms worst; as the test driver sees it "
            f"{statistics.median(driver) * 1000:.0f} ms median, "
            f"{max(driver) * 1000:.0f} ms worst; over {len(timed)} clicks (load average "
            f"{load:.1f} on {os.cpu_count()} cores)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=12,
                        help="clicks timed during the batch (6 before it)")
    args = parser.parse_args(argv)
    load_alone = os.getloadavg()[0]
    first_alone, all_alone, at_first = runner_alone(warm=True)
    first_cold, _, _ = runner_alone(warm=False)
    made = results_made(at_first)
    print(f"dashboard runner without a page, 2 presets x {DAYS} days: first pair "
          f"{first_alone:.1f} s with warm worker processes, {first_cold:.1f} s with worker "
          f"processes started on the submit; all {REPLICATIONS} x 2 runs {all_alone:.1f} s "
          f"(load average {load_alone:.1f} on {os.cpu_count()} cores)")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("dashboard: chromium is not installed, not measured")
        return 0
    from playwright.sync_api import sync_playwright

    with served_dashboard() as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1300, "height": 1400})
        t0 = time.perf_counter()
        page.goto(f"{base}/compare")
        page.get_by_text(TITLES["en"]).first.wait_for(timeout=120_000)
        page.wait_for_function(PLOTLY_LOADED, timeout=120_000)
        loaded = time.perf_counter() - t0
        third = page.get_by_text("Scenario 3", exact=True)
        idle = [toggle_card(page, third, i)  # an even count: the run has its two scenarios
                for i in range(6)]
        set_horizon(page, DAYS)
        load_before = os.getloadavg()[0]
        page.get_by_role("button", name="Run the comparison").click()
        clicked = time.perf_counter()
        page.get_by_text(re.compile(r"in \d+ of \d+ paired runs")).first.wait_for(
            timeout=300_000)
        first = time.perf_counter() - clicked
        load_first = os.getloadavg()[0]
        latencies, lang_latencies, lang = [], [], "en"
        pauses = random.Random(1)  # a user's pace, the same in every bench
        for i in range(args.clicks):
            if page.get_by_role("button", name="Day by day").count():
                break  # the batch is done; clicks now would not measure "while runs go on"
            latencies.append(toggle_card(page, third, i))
            # spread over the batch, so that clicks also land while a result is drawn
            page.wait_for_timeout(pauses.uniform(300, 1500))
        load_during = os.getloadavg()[0]
        for _ in range(2):
            if page.get_by_role("button", name="Day by day").count():
                break
            other = "nl" if lang == "en" else "en"
            t1 = time.perf_counter()
            page.get_by_role("button", name="Nederlands" if lang == "en" else "English").click()
            page.get_by_text(TITLES[other]).first.wait_for(timeout=60_000)
            lang_latencies.append(time.perf_counter() - t1)
            lang = other
        page.get_by_role("button", name="Day by day").wait_for(timeout=600_000)
        total = time.perf_counter() - clicked
        browser.close()
    print(f"dashboard (chromium, 2 presets, {REPLICATIONS} x 2 replications of {DAYS} days): "
          f"page loaded in {loaded:.1f} s; first paired result on screen {first:.1f} s after "
          f"the click (target 5 s; load average {load_before:.1f} at the click, "
          f"{load_first:.1f} at the result); all 20 runs on screen after {total:.1f} s "
          f"(target 30 s)")
    print(f"dashboard: where the first result's {first:.1f} s go: the two runs "
          f"{first_alone:.1f} s (warm worker processes, measured without a page; "
          f"{first_cold - first_alone:+.1f} s more if the workers started on the click), "
          f"the server making the headline and figure {made:.2f} s, the click, websocket "
          f"and drawing in the browser the remaining {first - first_alone - made:.1f} s "
          f"(runs timed in another batch: a negative rest is noise)")
    print(_clicks("with nothing running", idle, load_before))
    if latencies:
        print(_clicks("while runs go on (target 200 ms)", latencies, load_during))
    if lang_latencies:
        print("dashboard: switching the language (the whole page redrawn) while runs go on: "
              + ", ".join(f"{x * 1000:.0f} ms" for x in lang_latencies))
    if not latencies:
        print("dashboard: the batch ended before a click could be timed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
