"""Schiedam's four weeks, held out from its calibration.

At Schiedam's WOTs "further help can take up to 4 weeks, with an urgency check"
(DOMAIN.md). The preset ``schiedam`` is fitted (``experiments/calibrate_schiedam.toml``)
to the mean time on the list over everyone who joined it, inside 0 to 28 days; a mean
inside that band says nothing of how many wait longer. The check here is per person:
of everyone sent on to the WOT after their first contact, the share whose case started
within 28 days (:func:`.dutch.help_within_share`). It is not a target of the fit (the
report names the fit's targets from the config), so it is held out from the fit; it is
not held out from the source, whose one sentence both read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ...budget import time_budget
from ...scenario import load_scenario
from .core import Adjust, Check, Job, Rendered, table, verdict
from .dutch import CITY_DAYS, CITY_SEEDS, NORM_4_WEEKS_DAYS, city_jobs, city_values

PRESET = "schiedam"
CALIBRATION = Path(__file__).resolve().parents[3] / "experiments" / "calibrate_schiedam.toml"
MEASURE = "help_4_weeks"
#: "can take up to 4 weeks", read as a floor: at least this share within 28 days.
FLOOR = 0.9


def held_out_check(shares: Sequence[float]) -> Check:
    """The mean over seeds of the share helped within four weeks, at least ``FLOOR``."""
    from ..stats import t_interval

    mean, lo, hi = t_interval(shares)
    n = len(shares)
    se = math.sqrt(sum((x - mean) ** 2 for x in shares) / (n - 1) / n) if n > 1 else math.nan
    return Check("held_out", f"`{PRESET}`: share of those sent on to the WOT whose case "
                 f"started within {NORM_4_WEEKS_DAYS:g} days (Kaplan-Meier, everyone)", mean,
                 se, FLOOR, direction="at_least", ci=(lo, hi), note=f"{n} seeds")


def held_out_jobs(mode: str) -> list[Job]:
    """The Dutch figures' runs of the preset (the same jobs, run once)."""
    return city_jobs(mode, (PRESET,))


def _fit() -> str:
    """What the calibration fitted, to what, from its config."""
    from ..calibrate import load_config

    cal = load_config(str(CALIBRATION))
    params = ", ".join(f"`{p.key}`" for p in cal.priors)
    targets = "; ".join(f"`{t.kpi}` = {t.value:g} ± {t.tolerance:g}" for t in cal.targets)
    fitted = {t.kpi for t in cal.targets}
    held = MEASURE not in fitted
    return (f"The calibration (`{CALIBRATION.parent.name}/{CALIBRATION.name}`) fitted "
            f"{params} to {targets}. "
            + ("This share is not among its targets: it is held out from the fit. It is not "
               "held out from the source: the fit's band and this floor read the same "
               "sentence of DOMAIN.md." if held else
               "This share IS one of its targets, so agreement shows the fit, not held-out "
               "evidence."))


def _binding() -> str:
    """Whether the calibrated caseload cap still binds under the time budget."""
    s = load_scenario(PRESET)
    w, hours = s.wijkteam, time_budget(s).case_hours_per_professional
    h = w.case_hours_per_week
    most = math.floor(hours / min(h.practical, h.social, h.ongoing, h.complex))
    if most >= w.caseload_max:
        return ""
    return (f" Under the time budget a professional's {hours:g} hours for cases a week hold "
            f"at most {most} cases, below the calibrated `wijkteam.caseload_max` = "
            f"{w.caseload_max}: the fitted value no longer binds, so the calibration is stale "
            "until it is run again.")


def render_held_out(mode: str, results: Mapping[str, Any], adjust: Adjust) -> Rendered:
    from ..stats import fmt

    values = city_values(mode, results, (PRESET,))[PRESET]
    checks = adjust([held_out_check(values[MEASURE])])
    days = CITY_DAYS[mode]
    horizon = "its horizon from a warm start" if days is None else f"{days} days"
    wait = sum(values["wait_list_days"]) / len(values["wait_list_days"])
    per_seed = ", ".join(fmt(x) for x in values[MEASURE])
    lines = [
        f"**Checked:** the preset `{PRESET}` over {CITY_SEEDS[mode]} seeds for {horizon}: of "
        "everyone sent on to the WOT after their first contact (the walk-in intake or "
        f"outreach), the share whose case started within {NORM_4_WEEKS_DAYS:g} days of it, "
        "Kaplan-Meier over all of them (those who gave up or went to the crisis service "
        "censored when they left, those still waiting at the end), **against** DOMAIN.md's "
        "\"further help can take up to 4 weeks, with an urgency check\" (Schiedam's WOTs), "
        f"read as at least {FLOOR:.0%} within 4 weeks on the mean over seeds; "
        f"**result:** {verdict(checks, ('held_out',))} (per seed: {per_seed}; the mean time "
        f"on the list, the fit's measure, is {fmt(wait)} days).", "",
        f"**Held out from what:** {_fit()}{_binding()}", "",
        *table(checks, "held_out"), "",
        "The interval covers simulation noise over seeds, given the preset's assumptions.", ""]
    return Rendered(checks, lines)
