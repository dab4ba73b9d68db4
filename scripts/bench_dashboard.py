"""Dashboard figures for `make bench`: printed, never asserted.

Targets (issue 8), measured in Debian's chromium against the server on 127.0.0.1,
as a policy officer would see them on the compare page with its defaults (the
front desk against walk-in, 10 paired replications of a year from a warm start):

* first paired result on screen: from the click on "Run" until the first headline
  sentence ("better in 1 of 1 paired runs") is shown (target 5 s);
* all 10 x 2 replications: from the click until the page shows the batch done
  (target 30 s on 2 cores);
* click latency while runs go on: from a click that adds a scenario card (or
  removes it again) until the card is shown (or gone), target 200 ms, median and
  worst of several clicks during the batch; the same clicks before the run, with
  nothing running, and the machine's load average beside them, since on a shared
  machine the wait for a core is part of every figure; and, as the heaviest click,
  the language switch, which redraws the whole page.

A fresh server is started, as by ``make run``; its worker processes start with it,
and the click follows as soon as the page is shown, so the first result includes
whatever of that start-up is left.

Usage: ``python scripts/bench_dashboard.py [--clicks N]``
"""

from __future__ import annotations

import argparse
import math
import os
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


def runner_alone() -> tuple[float, float]:
    """The same batch through the worker pool without a page: (first pair, all), seconds."""
    import sim
    from dashboards.choices import DEFAULT_DAYS, warmup_days
    from dashboards.runner import Arm, BatchQueue, Request

    batches = BatchQueue()
    batches.warm_up()
    arms = tuple(Arm(n, sim.load_scenario(n)) for n in ("rotterdam_vraagwijzer",
                                                         "schiedam_walk_in"))
    batch = batches.submit(Request(arms, 10, DEFAULT_DAYS, warmup_days(arms, DEFAULT_DAYS)))
    t0 = time.perf_counter()
    first = None
    while True:
        view = batch.view()
        if first is None and any((0, r) in view.results and (1, r) in view.results
                                 for r in range(10)):
            first = time.perf_counter() - t0
        if view.finished:
            return first or math.nan, time.perf_counter() - t0
        batch.wait(view.version, 1.0)


def toggle_card(page, third, i: int) -> float:
    """Seconds from a click until the page shows its effect: even ``i`` adds a third
    scenario card, odd ``i`` removes it again."""
    t1 = time.perf_counter()
    if i % 2 == 0:
        page.get_by_role("button", name="Add a scenario").click()
        third.wait_for(state="visible", timeout=60_000)
    else:
        page.get_by_role("button", name="Remove").last.click()
        third.wait_for(state="detached", timeout=60_000)
    return time.perf_counter() - t1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=6, help="clicks timed during the batch")
    args = parser.parse_args(argv)
    first_alone, all_alone = runner_alone()
    print(f"dashboard runner without a page (warm worker processes): first pair "
          f"{first_alone:.1f} s, all 10 x 2 runs {all_alone:.1f} s")
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
        loaded = time.perf_counter() - t0
        third = page.get_by_text("Scenario 3", exact=True)
        idle = [toggle_card(page, third, i)  # an even count: the run has its two scenarios
                for i in range(args.clicks + args.clicks % 2)]
        load_before = os.getloadavg()[0]
        page.get_by_role("button", name="Run the comparison").click()
        clicked = time.perf_counter()
        page.get_by_text(re.compile(r"in \d+ of \d+ paired runs")).first.wait_for(
            timeout=300_000)
        first = time.perf_counter() - clicked
        latencies, lang_latencies, lang = [], [], "en"
        for i in range(args.clicks):
            if page.get_by_role("button", name="Day by day").count():
                break  # the batch is done; clicks now would not measure "while runs go on"
            latencies.append(toggle_card(page, third, i))
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
    print(f"dashboard (chromium, 2 presets, 10 x 2 replications of the page's default "
          f"horizon): page loaded in "
          f"{loaded:.1f} s; first paired result on screen {first:.1f} s after the click "
          f"(target 5 s); all 20 runs on screen after {total:.1f} s (target 30 s)")
    print(f"dashboard: a click (add or remove a scenario card) with nothing running answered "
          f"in {statistics.median(idle) * 1000:.0f} ms median, {max(idle) * 1000:.0f} ms worst "
          f"over {len(idle)} clicks (load average {load_before:.1f} on "
          f"{os.cpu_count()} cores)")
    if latencies:
        print(f"dashboard: a click (add or remove a scenario card) answered while runs go on in "
              f"{statistics.median(latencies) * 1000:.0f} ms median, "
              f"{max(latencies) * 1000:.0f} ms worst over {len(latencies)} clicks (target 200 ms;"
              f" load average {load_during:.1f})")
    if lang_latencies:
        print("dashboard: switching the language (the whole page redrawn) while runs go on: "
              + ", ".join(f"{x * 1000:.0f} ms" for x in lang_latencies))
    if not latencies:
        print("dashboard: the batch ended before a click could be timed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
