"""Consistency, not evidence: comparisons a rule or an input of the model makes true.

Each was a check once; none can fail while the model keeps the rule it was given, so
none is evidence that the model is right about the world. They are measured on the
same runs as the checks and reported with the reason each cannot fail, as the Dutch
figures are reported: they never fail ``make validate``. A row that does not hold
means the code does not do what its rule says.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .bystanders import (
    DILEMMA_COST_BENEFIT,
    DILEMMA_SIZES,
    OBSERVED,
    SHARE_ABS_TOL,
    bystander_jobs,
    reporting_shares,
)
from .core import Adjust, Check, Job, Rendered
from .patterns import PAIRED_HEADER, all_paired, paired_row, pattern_jobs


@dataclass(frozen=True)
class Row:
    """A comparison that holds by construction, and why."""

    check: Check  # its figure and rule; never counted as a check
    why: str


def _bystander_rows(mode: str, darley: Mapping[str, Any],
                    dilemma: Mapping[int, tuple[float, float, float]], p1: float) -> list[Row]:
    alone = OBSERVED[0]
    p, se = reporting_shares(mode, darley)[alone.group_size]
    rows = [Row(Check("consistency", "individual reporting share, 0 others", p, se,
                      alone.reported_before_end_of_fit, abs_tol=SHARE_ABS_TOL, se_rule=False),
                f"alone, n^-t = 1, so a person's chance is `bystander.p_act_day` = {p1:g}, "
                "set to the observed 85%: the row echoes an input")]
    why = ("each person acts with Diekmann's equilibrium chance 1 - q(n), computed from the "
           f"formula it is compared with (r = {DILEMMA_COST_BENEFIT:g}), independently of the "
           "others, so P(nobody acts) = q^n = r^(n/(n-1)) by construction: it shows the "
           "elephant draws independent chances")
    for n, (sim_none, se_none, target) in dilemma.items():
        rows.append(Row(Check("consistency", f"volunteer's dilemma P(nobody acts), n = {n}",
                              sim_none, se_none, target, abs_tol=0.01), why))
        why = "as for the smaller group above"
    values = [v[0] for v in dilemma.values()]
    rise = min(b - a for a, b in zip(values, values[1:], strict=False))
    rows.append(Row(Check("consistency", "volunteer's dilemma: smallest rise of P(nobody acts) "
                          f"from one group size to the next (n = "
                          f"{', '.join(map(str, DILEMMA_SIZES))})", rise, 0.0, 0.0,
                          direction="above"),
                    "the chances are set from r^(n/(n-1)), which rises with n for r < 1: "
                    "the simulation repeats the rise of its input"))
    return rows


def consistency_jobs(mode: str) -> list[Job]:
    """The bystanders' and the patterns' runs (the same jobs, run once)."""
    return [*bystander_jobs(mode), *pattern_jobs(mode)]


def render_consistency(mode: str, results: Mapping[str, Any], adjust: Adjust) -> Rendered:
    from ...scenario import load_scenario
    from .bystanders import DARLEY_LATANE

    darley_key, dilemma_key = (j.key for j in bystander_jobs(mode))
    rows = _bystander_rows(mode, results[darley_key], results[dilemma_key],
                           load_scenario(DARLEY_LATANE).bystander.p_act_day)
    table = ["| row | simulated | 95% interval | expected | holds | why it cannot fail |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        c = r.check
        lo, hi = c.interval
        ci = f"{lo:.4g} to {hi:.4g}" if c.se > 0 or c.ci else "exact"
        table.append(f"| {c.name} | {c.value:.4g} | {ci} | {c.target:.4g} ({c.tolerance}) "
                     f"| {'yes' if c.passed else '**no**'} | {r.why} |")
    patterns = [x for x in all_paired(mode, results) if x.pattern.why]
    pattern_table = [PAIRED_HEADER[0].replace("| result |", "| holds | why it cannot fail |"),
                     PAIRED_HEADER[1] + "---|"]
    for x in patterns:
        pattern_table.append(paired_row(x, "yes" if x.check.passed else "**no**")
                             + f" {x.pattern.why} |")
    n = len(rows) + len(patterns)
    held = sum(r.check.passed for r in rows) + sum(x.check.passed for x in patterns)
    lines = [
        f"These {n} comparisons were checks once. Each holds by construction: a rule or an "
        "input of the model makes it true, so a model with that rule cannot fail it, and "
        "agreement is no evidence about the world. They are reported here with the reason "
        "each cannot fail, as the Dutch figures are reported: they never fail "
        "`make validate`. A row that does not hold would mean the code does not do what its "
        f"rule says. **Result:** {held} of {n} hold.", "",
        "### Bystanders", "",
        "From the elephant runs of *Bystanders* (`validation/darley_latane`).", "",
        *table, "",
        "### Patterns the seed describes", "",
        "From the paired runs of *Patterns the seed describes* (the same seeds); "
        f"{len(patterns)} of its patterns follow from a rule.", "",
        *pattern_table, ""]
    return Rendered(adjust([]), lines, n_consistency=n)
