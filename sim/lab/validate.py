"""``samenspel validate``: where the model agrees with what is known (issues 11, 21).

Runs the model's special cases that have a known answer, the checks of the time budget
and the access policies, the patterns the seed report describes, a figure held out from
a calibration, and the city presets next to the Dutch figures, and writes
``validation.md`` with its figures (PNG) beside it. The report is a list of
:class:`Section` (``SECTIONS``), one module each under :mod:`sim.lab.validation`; each
declares the jobs it needs and renders its markdown, checks and figures from their
results, so a new section is one more entry.

A check is a comparison a wrong model would fail: for each, the test suite holds a
mutation, one rule changed on purpose, that makes it fail
(``tests/test_validation_mutations.py``). A comparison that holds by construction is
not a check: it is reported under "Consistency, not evidence" with the reason it
cannot fail, and, like the Dutch figures, never fails the run.

Each check prints one line (name, PASS/FAIL, the simulated figure with its 95%
interval against the target). Every job's result is kept in ``<out>/.validate-cache``
as it completes, so ``--resume`` continues an interrupted run; the report and its
figures are written only at the end, each atomically.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..outputs import atomic_write
from ..scenario import InputError, load_scenario
from ..version import code_version
from .validation import access, bystanders, consistency, dutch, held_out, patterns, queues
from .validation.core import CACHE_DIR, SEED0, Cache, Check, Rendered, Section, run_jobs

__all__ = ["GROUPS", "SECTIONS", "Check", "cmd_validate", "register", "validate",
           "write_report"]

#: The report's sections, in order. A new section is one more entry here.
SECTIONS: list[Section] = [
    Section("queues", "Queues in queue-only mode", queues.queue_jobs, queues.render_queues,
            (queues.MMC,)),
    Section("bystanders", "Bystanders", bystanders.bystander_jobs,
            bystanders.render_bystanders, (bystanders.DARLEY_LATANE,)),
    Section("access", "Time budget and access", access.access_jobs, access.render_access,
            (access.WALK_IN, access.DESK)),
    Section("patterns", "Patterns the seed describes", patterns.pattern_jobs,
            patterns.render_patterns,
            ("schiedam", "schiedam_walk_in", "schiedam_walk_in_triage", "rotterdam_vraagwijzer")),
    Section("held_out", "Schiedam's four weeks, held out from its calibration",
            held_out.held_out_jobs, held_out.render_held_out, (held_out.PRESET,)),
    Section("dutch", "Dutch figures (reported, not checks)", dutch.city_jobs,
            dutch.render_dutch, dutch.CITIES),
    Section("consistency", "Consistency, not evidence", consistency.consistency_jobs,
            consistency.render_consistency, (bystanders.DARLEY_LATANE,)),
]
#: Check groups and their headings.
GROUPS = {
    "erlang": "Erlang C",
    "cobham": "Urgency triage against Cobham",
    "little": "Little's law",
    "pooling": "Pooling",
    "darley": "Darley & Latané (1968): reporting",
    "latency": "Darley & Latané (1968): latency",
    "budget": "Equal-budget swap",
    "access": "Pass-through desk",
    "patterns": "Patterns the seed describes",
    "held_out": "Schiedam's four weeks, held out from its calibration",
}
#: What kind of evidence each section's checks are, for the report's opening.
EVIDENCE = {
    "queues": "the team's queue, triage and areas against queueing theory: the rules "
    "implemented right",
    "bystanders": "the calibrated bystander rule's fit reproduced by the simulation, and "
    "latencies held out from that fit",
    "access": "accounting of the time budget, and an equivalence the shared first-contact "
    "rule implies",
    "patterns": "a pattern of the seed report whose direction the rules leave open",
    "held_out": "a Dutch figure held out from the preset's calibration",
}


def _hashes(sections: list[Section]) -> dict[str, str]:
    from ..results import scenario_hash

    names = dict.fromkeys(n for s in sections for n in s.scenarios)
    return {name: scenario_hash(load_scenario(name)) for name in names}


def _opening(rendered: list[tuple[Section, Rendered]]) -> list[str]:
    """Which sections hold evidence, of what kind, and which are reported only."""
    number = {s.key: i for i, (s, _) in enumerate(rendered, 1)}
    kinds = [f"section {number[k]}, {what}" for k, what in EVIDENCE.items() if k in number]
    reported = [f"{number[k]}" for k in ("dutch", "consistency") if k in number]
    lines = ["A check is a comparison a wrong model would fail: for each one the test suite "
             "holds a mutation, one rule of the model changed on purpose, that makes it fail "
             "(`tests/test_validation_mutations.py`). A check passing is evidence of the kind "
             "its section says: " + "; ".join(kinds) + "."]
    if reported:
        lines += ["", ("Sections " + " and ".join(reported) + " are" if len(reported) > 1
                       else f"Section {reported[0]} is")
                  + " reported, never failing `make validate`: the city presets beside "
                  "Dutch figures they are not comparable with or were calibrated to, and the "
                  "comparisons that hold by construction, each with the reason it cannot "
                  "fail (*Consistency, not evidence*)."]
    return lines


def write_report(out: Path, rendered: list[tuple[Section, Rendered]], mode: str, version: str,
                 hashes: Mapping[str, str], tail: str = "") -> Path:
    """``validation.md`` and its figures in ``out``, each file written atomically.

    Nothing in it depends on how the run went (wall time, resumed or not), so a resumed
    run writes the same report. ``tail`` is Markdown put after the numbered sections:
    the answer against load and the robustness study, each of which runs and resumes
    its own sweep.
    """
    import plotly.io as pio

    checks = [c for _, r in rendered for c in r.checks]
    figures = {name: fig for _, r in rendered for name, fig in r.figures.items()}
    tmp = {name: out / f".{name}.tmp" for name in figures}
    try:
        pio.write_images(list(figures.values()), list(tmp.values()), format="png",
                         width=[f.layout.width for f in figures.values()],
                         height=[f.layout.height for f in figures.values()])
        for name, path in tmp.items():
            os.replace(path, out / name)
    finally:
        for path in tmp.values():
            path.unlink(missing_ok=True)
    n_fail = sum(not c.passed for c in checks)
    n_consistency = sum(r.n_consistency for _, r in rendered)
    lines = [
        "# Validation", "",
        "Generated by `make validate` (`samenspel validate`); do not edit by hand.", "",
        f"Code version `{version}`, mode `{mode}`, seeds from {SEED0}, scenarios "
        + ", ".join(f"`{k}` (hash `{v}`)" for k, v in hashes.items())
        + f"; {len(checks)} checks, {n_fail} failed; {n_consistency} rows of consistency, "
        "not evidence (reported, never failing).", "",
        *_opening(rendered), ""]
    for i, (section, r) in enumerate(rendered, 1):
        lines += [f"## {i}. {section.title}", "", *r.lines]
    path = out / "validation.md"
    text = "\n".join(lines) + ("\n" + tail if tail else "")
    atomic_write(path, lambda p: Path(p).write_text(text, encoding="utf-8"))
    return path


def validate(out: Path, mode: str = "full", workers: int | None = None, progress: bool = True,
             shift: Mapping[str, float] | None = None, resume: bool = False,
             sections: list[Section] | None = None) -> list[Check]:
    """Run every section's jobs, write the report, print a line per check; the checks.

    ``resume`` reads the results an earlier, interrupted run of the same code, mode and
    scenarios left in ``out/.validate-cache``. ``shift`` multiplies the target of the
    named checks, to show a check fails when its target is off (tests).
    """
    start = time.perf_counter()
    sections = SECTIONS if sections is None else sections
    version = code_version()
    hashes = _hashes(sections)
    out.mkdir(parents=True, exist_ok=True)
    cache = Cache(out, {"code_version": version, "mode": mode, "scenarios": hashes}, resume)
    jobs = {s.key: s.jobs(mode) for s in sections}
    results = run_jobs([j for js in jobs.values() for j in js], cache, workers, progress)
    shift = dict(shift or {})

    def adjust(checks: list[Check]) -> list[Check]:
        return [replace(c, target=c.target * shift.pop(c.name)) if c.name in shift else c
                for c in checks]

    rendered = [(s, s.render(mode, results, adjust)) for s in sections]
    if shift:
        raise ValueError(f"shift names no check: {sorted(shift)}")
    from .robustness import validation_section  # its own runs and resume; no pass/fail
    from .validation.load_curve import load_section  # the same: reported, never failing

    tail = "\n".join((load_section(out, mode, workers, progress),
                      validation_section(out, mode, workers, progress)))
    write_report(out, rendered, mode, version, hashes, tail=tail)
    checks = [c for _, r in rendered for c in r.checks]
    for c in checks:
        print(c.line())
    print(f"validation took {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return checks


def cmd_validate(args: argparse.Namespace) -> int:
    """``samenspel validate``: 0 if every check passes, 1 otherwise."""
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError("validate", "--out", args.out, "must be a directory")
    if args.workers is not None and args.workers < 1:
        raise InputError("validate", "--workers", args.workers, "must be at least 1")
    try:
        checks = validate(out, "quick" if args.quick else "full", args.workers,
                          resume=args.resume)
    except KeyboardInterrupt:
        print(f"interrupted: finished jobs are kept in {out / CACHE_DIR}; "
              "run again with --resume to continue", file=sys.stderr)
        raise
    n_fail = sum(not c.passed for c in checks)
    print(f"{len(checks) - n_fail} of {len(checks)} checks pass; report in "
          f"{out / 'validation.md'}")
    return 1 if n_fail else 0


def register(subparsers: Any) -> None:
    """Add ``validate`` to the main command line."""
    p = subparsers.add_parser(
        "validate", help="check the model against queueing theory, the bystander studies, "
        "Dutch figures and the seed's patterns",
        description="Run the validation checks, print one line per check and write "
        "validation.md with its figures to --out; exit code 1 if any check fails.")
    p.add_argument("--out", metavar="DIR", default="docs",
                   help="directory of validation.md and its PNG figures (default docs)")
    p.add_argument("--quick", action="store_true",
                   help="small runs with wide tolerances, to try the machinery")
    p.add_argument("--resume", action="store_true",
                   help=f"continue an interrupted run from the results kept in DIR/{CACHE_DIR}")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes (default: every core); 1 runs in this process")
    p.set_defaults(func=cmd_validate)
