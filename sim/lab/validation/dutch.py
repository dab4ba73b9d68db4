"""Dutch figures: the city presets ``rotterdam`` and ``schiedam`` beside the Rekenkamer
Rotterdam, Schiedam's WOTs and the shares in DOMAIN.md.

These rows are reported, never failing: a figure describes a whole city or country
while a preset is one neighbourhood whose team and demand are assumptions, and where a
preset is calibrated to a figure, agreement shows the fit. The one figure held out from
a calibration that the model can be judged on, Schiedam's four weeks, is a check in
:mod:`.held_out`, measured here (:func:`help_within_share`) from the same runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ...scenario import load_scenario
from .core import SEED0, Adjust, Job, Rendered, dot_figure, job, run_seconds

CITY_SEEDS = {"full": 10, "quick": 2}
#: Days of a city run: the preset's horizon (a year from a warm start) in full mode.
CITY_DAYS = {"full": None, "quick": 120}
NORM_4_WEEKS_DAYS = 28.0
MONTH_DAYS = 365.25 / 12


def _share_within(durations: Any, observed: Any, days: float) -> float:
    """Kaplan-Meier share whose event came within ``days`` (the rest censored)."""
    from ...survival import kaplan_meier

    if not len(durations):
        return math.nan
    times, survival = kaplan_meier(durations, observed)
    before = survival[times <= days]
    return float(1.0 - before[-1]) if before.size else 0.0


def help_within_share(requests: Any, end: float, days: float = NORM_4_WEEKS_DAYS,
                      urgency: str | None = None) -> float:
    """Of everyone sent on to the team after their first contact (from day 0), the share
    whose case started within ``days`` of it, Kaplan-Meier over all of them: those who
    left without a case (gave up, or went to the crisis service) are censored when they
    left, those still waiting at ``end``. ``urgency``: only those of that urgency on
    arrival at the team."""
    r = requests[requests["day_sent"] >= 0]
    if urgency is not None:
        r = r[r["urgency_intake"] == urgency]
    start = r["day_queued"] + r["queue_wait_days"]  # NaN: no case started
    left = r["day_left_queue"].where(start.isna()).fillna(r["day_closed"])
    until = start.fillna(left.where(left >= r["day_sent"]).fillna(end))
    return _share_within(until - r["day_sent"], start.notna(), days)


def _city_job(arg: tuple[str, int, int | None]) -> dict[str, float]:
    """One run of a city preset and the measures the Dutch figures are set against."""
    import numpy as np

    from ...api import run
    from ...kpis import flatten
    from ...population import build_residents

    preset, seed, days = arg
    scenario = load_scenario(preset)
    result = run(scenario, seed, days)
    days = result.days
    s, req = flatten(result.summary), result.requests
    n = scenario.population.n_residents
    carers = req.loc[(req["outcome"] == "informal") & (req["kind"] == "ongoing")
                     & (req["day_answered"] >= 0), "answered_by"].nunique()
    residents = build_residents(scenario.population, seed)
    unvoiced = 1.0 - scenario.seeking.p_voice * (1.0 - np.asarray(residents.reluctance_ask))
    return {
        "wait_list_days": s["queue_wait_days_mean_all"],
        "no_plan_6_weeks": 1.0 - s["plan_within_6_weeks_share"],
        # Little's law on the caseload: busy slots / cases started a day (the KPI)
        "case_months": s["support_days_mean"] / MONTH_DAYS,
        "help_4_weeks": help_within_share(req, float(days)),
        "help_4_weeks_high": help_within_share(req, float(days), urgency="high"),
        "volunteers": float(s["volunteers_active_end"]),
        "volunteer_share": s["volunteers_active_end"] / n,
        "carer_share": carers / n,
        "unvoiced": float(unvoiced.mean()),
        "unvoiced_65": float(unvoiced[residents.age > 0].mean()),
    }


@dataclass(frozen=True)
class DutchFigure:
    """A reported figure and the model's measure beside it.

    ``rule`` is ``("at_least", x)`` or ``("near", x, tolerance)`` (absolute; relative when
    ``relative``); ``why`` says, from the preset's values, why the model misses it.
    """

    preset: str
    measure: str
    what: str
    figure: str
    source: str
    rule: tuple[Any, ...]
    why: Callable[[Any, Mapping[str, float]], str]
    relative: bool = False

    def agrees(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.rule[0] == "at_least":
            return value >= self.rule[1]
        tol = self.rule[2] * abs(self.rule[1]) if self.relative else self.rule[2]
        return abs(value - self.rule[1]) <= tol

    @property
    def rule_text(self) -> str:
        from ..stats import fmt

        if self.rule[0] == "at_least":
            return f"at least {fmt(self.rule[1])}"
        tol = f"{self.rule[2]:.0%}" if self.relative else f"{self.rule[2]:g}"
        return f"{fmt(self.rule[1])} ±{tol}"


REKENKAMER = "Rekenkamer Rotterdam 2018, *Het komt niet in de buurt* (DOMAIN.md)"
SCHIEDAM_SOURCE = "Schiedam's WOTs, seed report (DOMAIN.md)"


def _team(sc: Any) -> str:
    w = sc.wijkteam
    return (f"{w.n_professionals} professionals x {w.caseload_max} cases of "
            f"{w.case_duration_days_mean:g} days on average")


def _volunteer_why(sc: Any, v: Mapping[str, float]) -> str:
    if not sc.volunteers.initiative:
        return "the preset has no volunteer initiative (`volunteers.initiative = false`)"
    vol = sc.volunteers
    return (f"the model holds one initiative's active core, about {v['volunteers']:.0f} of "
            f"{sc.population.n_residents:,} residents (`volunteers.n_initial = {vol.n_initial}`, "
            f"`pool_capacity = {vol.pool_capacity}`), not everyone who volunteers at least once "
            "a year; neighbours who help each other are the informal route, not volunteers")


def _carer_why(sc: Any, v: Mapping[str, float]) -> str:
    return ("the model counts residents who answered someone's ongoing need within the run "
            f"(each helps with {sc.informal.capacity_tasks} need(s) at a time, ongoing help "
            f"lasts {sc.informal.help_days.ongoing:g} days on average); SCP's 33% counts "
            "anyone who cared for an ill or frail relative or friend in a year, care the "
            "model does not start unless a need arises and is voiced")


def _reluctance_why(sc: Any, v: Mapping[str, float]) -> str:
    p = sc.population
    return (f"a need stays unvoiced with chance 1 - p_voice x (1 - reluctance), with "
            f"`seeking.p_voice = {sc.seeking.p_voice:g}`, `reluctance_ask_mean = "
            f"{p.reluctance_ask_mean:g}` and `reluctance_ask_older_extra = "
            f"{p.reluctance_ask_older_extra:g}`, assumptions; the Rode Kruis asked about "
            "asking a stranger for groceries, the model's residents voice a need to anyone")


def dutch_figures() -> tuple[DutchFigure, ...]:
    rows: list[DutchFigure] = [
        DutchFigure(
            "rotterdam", "wait_list_days", "days on the wijkteam's waiting list, mean over "
            "everyone who joined it (`queue_wait_days_mean_all`)",
            "waits of over 1.5 months on average (youth and families)", REKENKAMER,
            ("at_least", 1.5 * MONTH_DAYS),
            lambda sc, v: f"the wait follows from the preset's team ({_team(sc)}) against the "
            "demand the front desk lets through, values its [sources] mark as assumptions; "
            "the Rekenkamer's wait is for youth and families over the whole city"),
        DutchFigure(
            "rotterdam", "no_plan_6_weeks", "share without a support plan 6 weeks after "
            "arriving at the wijkteam (1 - `plan_within_6_weeks_share`)",
            "90% without a support plan after 6 weeks", REKENKAMER, ("near", 0.9, 0.1),
            lambda sc, v: f"the plan follows the wait after `wijkteam.plan_days_mean = "
            f"{sc.wijkteam.plan_days_mean:g}` days (an assumption), and the wait on the list "
            f"is {v['wait_list_days']:.0f} days on average"),
        DutchFigure(
            "rotterdam", "case_months", "months a case holds its slot, plan included "
            "(Little's law: busy slots / cases started a day)",
            "support lasting about 20 months on average", REKENKAMER, ("near", 20.0, 0.25),
            lambda sc, v: f"the preset's mean case is `wijkteam.case_duration_days_mean = "
            f"{sc.wijkteam.case_duration_days_mean:g}` days (an assumption: the short end of "
            "the 6-12 month guideline) times the factor of each kind of need",
            relative=True),
        DutchFigure(
            "schiedam", "help_4_weeks_high", "share of those sent on to the WOT after their "
            "first contact, of high urgency on arrival, whose case started within 4 weeks "
            f"(Kaplan-Meier over all of them; triage `{load_scenario('schiedam').access.triage}`)",
            "an urgency check: urgent needs within 4 weeks", SCHIEDAM_SOURCE,
            ("at_least", 0.9),
            lambda sc, v: "urgency triage puts urgent needs first, but a case only starts "
            f"when the team's hours free ({_team(sc)}), so even the urgent wait for the next "
            "free place"),
        DutchFigure(
            "schiedam", "volunteers", "active volunteers at the end of the year",
            "about 60 volunteers at De Buurtvrouw", "seed report Kader 6 (DOMAIN.md)",
            ("near", 60.0, 0.25),
            lambda sc, v: f"the pool settles where recruitment (`p_recruit_visit = "
            f"{sc.volunteers.p_recruit_visit:g}`) balances those who leave "
            f"(`leave_per_year = {sc.volunteers.leave_per_year:g}`) or drop out",
            relative=True),
    ]
    for preset in ("rotterdam", "schiedam"):
        rows += [
            DutchFigure(
                preset, "volunteer_share", "active volunteers per resident",
                "6.8% volunteer in care, 7.1% in the neighbourhood, at least once a year",
                "CBS 2022 (DOMAIN.md)", ("near", 0.068, 0.02), _volunteer_why),
            DutchFigure(
                preset, "carer_share", "share of residents who answered an ongoing need of "
                "someone else informally within the run",
                "33% of adults gave mantelzorg in 2014", "SCP 2015 (DOMAIN.md)",
                ("near", 0.33, 0.1), _carer_why),
            DutchFigure(
                preset, "unvoiced", "chance a resident does not voice a need, mean over "
                "residents", "about 40% would not, or only after long hesitation, ask a "
                "stranger for groceries", "Rode Kruis 2020 (DOMAIN.md)", ("near", 0.4, 0.1),
                _reluctance_why),
            DutchFigure(
                preset, "unvoiced_65", "the same, residents aged 65 or over",
                "almost half of those over 70 would not ask at all",
                "Rode Kruis 2020 (DOMAIN.md)", ("near", 0.47, 0.1), _reluctance_why),
        ]
    return tuple(rows)


#: Figures the model has no measure for, and why.
NOT_MEASURED = (
    "I&O/NOS 2018, 60% of those who don't help say \"nobody asks me\": the model gives an "
    "aware person no reasons; whether they act is a chance (the bystander rule).",
    "GfK 2015, willingness to help a neighbour by task: these are inputs "
    "(`bystander.willingness.*`), so the model cannot reproduce them.",
    "Schiedam, a phone request called back within 5 working days: the model has no "
    "phone channel; walk-in arrives at the team at once.",
)
CITIES = ("rotterdam", "schiedam")


def city_jobs(mode: str, presets: tuple[str, ...] = CITIES) -> list[Job]:
    """A run of each preset on each of its seeds, with the measures of :func:`_city_job`."""
    days = CITY_DAYS[mode]
    return [job("dutch", f"{preset}-{seed}", _city_job, (preset, seed, days),
                run_seconds(days))
            for preset in presets for seed in range(SEED0, SEED0 + CITY_SEEDS[mode])]


def city_values(mode: str, results: Mapping[str, Any], presets: tuple[str, ...] = CITIES
                ) -> dict[str, dict[str, list[float]]]:
    """Per preset and measure, the values over its seeds."""
    out: dict[str, dict[str, list[float]]] = {p: {} for p in presets}
    for j in city_jobs(mode, presets):
        for key, value in results[j.key].items():
            out[j.arg[0]].setdefault(key, []).append(value)
    return out


def _calibration_note(preset: str) -> str:
    sources = load_scenario(preset).sources
    keys = [k for k, v in sources.items() if "calibrat" in str(v).lower()]
    if not keys:
        return (f"`{preset}`'s [sources] mention no calibration: every row is out of sample.")
    return (f"`{preset}`'s [sources] say these values were calibrated: "
            + ", ".join(f"`{k}`" for k in keys)
            + "; a row they were fitted to shows the fit, not independent agreement.")


def render_dutch(mode: str, results: Mapping[str, Any], adjust: Adjust) -> Rendered:
    from ..stats import fmt, fmt_interval, t_interval
    values = city_values(mode, results)
    scenarios = {p: load_scenario(p) for p in CITIES}
    rows = ["| preset | model measure | model (95% interval over seeds) | figure | source "
            "| agrees (rule) |", "|---|---|---|---|---|---|"]
    missed, plotted = [], []
    for f in dutch_figures():
        xs = values[f.preset][f.measure]
        mean, lo, hi = t_interval(xs)
        ok = f.agrees(mean)
        rows.append(f"| `{f.preset}` | {f.what} | {fmt(mean)} {fmt_interval(lo, hi)} "
                    f"| {f.figure} | {f.source} | {'yes' if ok else '**no**'} "
                    f"({f.rule_text}) |")
        plotted.append((f, mean, lo, hi, ok))
        if not ok:
            means = {k: float(sum(v) / len(v)) for k, v in values[f.preset].items()}
            missed.append(f"- `{f.preset}`, {f.figure} ({f.source}): the model gives "
                          f"{fmt(mean)}. Why: {f.why(scenarios[f.preset], means)}.")
    n_ok = sum(p[4] for p in plotted)
    days = CITY_DAYS[mode]
    horizon = "its own horizon from a warm start" if days is None else f"{days} days"
    lines = [
        f"**Checked:** the presets {', '.join(f'`{p}`' for p in CITIES)} as they are when "
        f"this report is made, each over {CITY_SEEDS[mode]} seeds for {horizon}, **against** "
        "the Rekenkamer Rotterdam, Schiedam's WOTs and the shares in DOMAIN.md; "
        f"**result:** {n_ok} of {len(plotted)} figures agree.", "",
        "These rows are reported, not checks: they never fail `make validate`. The figures "
        "describe a whole city (Rotterdam's wait is for youth and families) or the whole "
        "country, while a preset is one neighbourhood whose team and demand are "
        "assumptions; and where a preset is calibrated to a figure, agreement with that "
        "figure shows the fit (`samenspel calibrate` reports it), not independent evidence. "
        "A failing build would then say more about the calibration of the day than about "
        "the model. " + " ".join(_calibration_note(p) for p in CITIES) + " Schiedam's "
        "four weeks for everyone sent on to the WOT is not a row here: it is held out from "
        "Schiedam's calibration and is a check (*Schiedam's four weeks, held out from its "
        "calibration*).", "",
        "The interval covers simulation noise over seeds, given the preset's assumptions.", "",
        *rows, "",
        "### What the model does not reproduce, and why", "",
        *(missed or ["- Every figure with a model measure agrees."]),
        *(f"- {text}" for text in NOT_MEASURED), "",
        "![Dutch figures](validation_dutch.png)", ""]
    return Rendered(adjust([]), lines, {"validation_dutch.png": dutch_figure(plotted)})


def dutch_figure(plotted: list[tuple[DutchFigure, float, float, float, bool]]):
    """Each city measure relative to its reported figure, with its interval over seeds."""
    def rel(f: DutchFigure, x: float) -> float:
        return x / f.rule[1]
    return dot_figure("Dutch figures: model / reported figure (1 = the figure; at-least "
                      "rules agree at 1 or more)", "model / reported figure",
                      [f"{f.preset}: {f.figure}"[:70] for f, *_ in plotted],
                      [rel(f, m) for f, m, *_ in plotted],
                      [rel(f, lo) for f, _, lo, *_ in plotted],
                      [rel(f, hi) for f, _, _, hi, _ in plotted], [p[4] for p in plotted], 1.0)
