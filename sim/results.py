"""What a run returns: a flat summary and tidy frames, each stamped with its provenance."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import kpis
from .eventlog import resource_names
from .kpis import Observed
from .outputs import atomic_write, jsonable
from .params import Scenario, flat, to_dict
from .population import AGE_GROUPS
from .version import code_version
from .vocabulary import KINDS, URGENCIES

if TYPE_CHECKING:
    from .model import Neighbourhood

def scenario_hash(scenario: Scenario) -> str:
    """A short fingerprint of every parameter value, to tell scenarios apart in outputs."""
    text = json.dumps(to_dict(scenario), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class RunResult:
    """One run: ``summary`` (flat KPIs), ``daily``, ``requests`` and ``events`` frames."""

    scenario: Scenario
    seed: int
    days: int
    warmup_days: int
    summary: dict[str, Any]
    daily: pd.DataFrame
    requests: pd.DataFrame
    events: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    def write(self, out_dir: str | os.PathLike) -> list[Path]:
        """Frames as Parquet and summary plus provenance as JSON, each written atomically."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name in ("daily", "requests", "events"):
            frame = getattr(self, name)
            written.append(atomic_write(out / f"{name}.parquet",
                                   lambda p, f=frame: f.to_parquet(p, index=False)))
        payload = {"meta": self.meta, "summary": self.summary}
        text = json.dumps(jsonable(payload), indent=2, default=str, allow_nan=False) + "\n"
        written.append(atomic_write(out / "summary.json", lambda p: Path(p).write_text(text)))
        return written


def build_result(model: Neighbourhood, days: int, warmup_days: int) -> RunResult:
    start = pd.Timestamp(model.scenario.start_date)
    needs = model.needs
    who = np.array([n.resident for n in needs], dtype=np.int64)
    res = model.residents
    requests = pd.DataFrame({
        "request_id": np.array([n.id for n in needs], dtype=np.int64),
        "resident": who,
        "age_group": pd.Categorical.from_codes(res.age[who], categories=AGE_GROUPS,
                                               ordered=True),
        "vulnerable": res.vulnerable[who].astype(bool),
        "reluctance_ask": np.asarray(res.reluctance_ask, dtype=float)[who],
        "network_size": np.array([n.network_size for n in needs], dtype=np.int64),
        "kind": pd.Categorical([KINDS[n.kind] for n in needs], categories=KINDS),
        "urgency_start": pd.Categorical([URGENCIES[n.urgency_start] for n in needs],
                                        categories=URGENCIES, ordered=True),
        "urgency_end": pd.Categorical([URGENCIES[n.urgency] for n in needs],
                                      categories=URGENCIES, ordered=True),
        "urgency_intake": pd.Categorical(
            [URGENCIES[n.urgency_intake] if n.urgency_intake >= 0 else None for n in needs],
            categories=URGENCIES, ordered=True),
        "day_created": np.array([n.t_arise for n in needs], dtype=float),
        "day_answered": np.array([n.t_answered for n in needs], dtype=float),
        "day_first_contact": np.array([n.t_contact for n in needs], dtype=float),
        "day_formal": np.array([n.t_formal for n in needs], dtype=float),
        "day_sent": np.array([n.t_sent for n in needs], dtype=float),
        "day_closed": np.array([n.t_closed for n in needs], dtype=float),
        "day_intake": np.array([n.t_intake for n in needs], dtype=float),
        "day_queued": np.array([n.t_queue for n in needs], dtype=float),
        "queue_wait_days": np.array([n.queue_wait for n in needs], dtype=float),
        "day_left_queue": np.array([n.t_left_queue for n in needs], dtype=float),
        "day_plan": np.array([n.t_plan for n in needs], dtype=float),
        "state": pd.Categorical([n.state for n in needs]),
        "outcome": [n.outcome or ("unanswered" if n.state != "withdrawn" else "withdrawn")
                    for n in needs],
        "answered_by": resource_names(np.array([n.helper for n in needs], dtype=np.int64)),
        "route": [" > ".join(n.route) for n in needs],
        "crisis": np.array([n.crisis for n in needs], dtype=bool),
        "day_crisis": np.array([n.t_crisis for n in needs], dtype=float),
        "n_aware_max": np.array([n.n_aware_max for n in needs], dtype=np.int64),
        "acted_by_aware": np.array([n.acted_by_aware for n in needs], dtype=bool),
        "repeat_of": np.array([n.repeat_of for n in needs], dtype=np.int64),
        "overload": np.array([n.overload for n in needs], dtype=float),
    })
    requests["wait_days"] = requests["day_answered"] - requests["day_created"]
    events = model.events.frame()
    events.insert(2, "timestamp", start + pd.to_timedelta(events["day"], unit="D"))
    daily = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    daily.insert(1, "date", start + pd.to_timedelta(daily["day"], unit="D"))
    summary = summarise(model, requests, days, warmup_days)
    meta = {
        "scenario": model.scenario.name,
        "scenario_hash": scenario_hash(model.scenario),
        "seed": model.seed,
        "days": days,
        "warmup_days": warmup_days,
        "start": model.start,
        "code_version": code_version(),
        "parameters": flat(model.scenario),
    }
    for frame in (daily, requests, events):
        frame.attrs.update({k: v for k, v in meta.items() if k != "parameters"})
    return RunResult(model.scenario, model.seed, days, warmup_days, summary, daily, requests,
                     events, meta)


def summarise(model: Neighbourhood, requests: pd.DataFrame, days: int, warmup_days: int
              ) -> dict[str, Any]:
    """Every declared KPI (:mod:`sim.kpis`), mostly over requests created after the warm-up."""
    observed = Observed(requests, model.counters(float(days)), warmup_days, days)
    return kpis.compute(observed)
