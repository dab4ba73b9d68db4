"""The access answer against load, as a section of the validation report (reported, not a
check): the same study as ``samenspel load`` (:mod:`..load`), so ``make validate`` shows
at which demand the answer turns, beside the robustness study over plausible worlds.

Full: the defaults (7 demand factors, 8 paired seeds, a year) into
``results/validation/load-<code version>``, resumed when interrupted; quick: two factors
of a small neighbourhood for 30 days, in a temporary directory.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from ...version import code_version

FIGURE = "validation_load.png"
#: quick: two factors, two seeds, 30 days of a small neighbourhood with a small team
QUICK = {"factors": (0.6, 1.5), "replications": 2, "days": 30,
         "overrides": {"population.n_residents": 2000, "wijkteam.n_professionals": 3}}


def load_section(out: Path, mode: str = "full", workers: int | None = None,
                 progress: bool = True) -> str:
    """Run (or resume) the study, copy its figure to ``out`` and return its Markdown."""
    from ..executors import make_executor
    from ..load import plan_load, render_markdown, run_load

    study = plan_load() if mode == "full" else plan_load(**QUICK)
    with tempfile.TemporaryDirectory() as tmp:
        data = (Path("results") / "validation" / f"load-{code_version()}" if mode == "full"
                else Path(tmp) / "load")
        with make_executor(workers) as executor:
            _, table, meta = run_load(study, data, executor=executor,
                                      resume=(data / "manifest.json").is_file(),
                                      progress=progress)
        shutil.copyfile(data / "load.png", out / FIGURE)
    return render_markdown(table, meta, level=2, figure=FIGURE)
