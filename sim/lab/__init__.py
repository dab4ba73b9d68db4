"""Experiments: many runs, and what differs between them and how sure we are.

The parts are kept apart, as in the EMA Workbench: an *experiment* file
(:mod:`.experiment`) names base scenarios, levers and uncertainties; a *design*
(:mod:`.design`) turns them into points; an *executor* (:mod:`.executors`) runs
the work serially, on local processes or on a Dask cluster; a *sweep*
(:mod:`.sweep`) plans the runs, seeds them and writes each result as it finishes;
:mod:`.compare`, :mod:`.analyse` and :mod:`.report` turn the results into
statements with confidence intervals.

Quick use::

    from sim.lab import load_experiment, run_sweep, load_runs
    exp = load_experiment("experiments/access_policies.toml")
    run_sweep(exp, "results/access", workers=2)
    runs = load_runs("results/access")        # one row per run, sorted by run id

Writers of a results directory hold its lock (:mod:`.lock`), readers never do::

    with results_lock("results/access"):     # ResultsLocked (one line) if taken
        ...
"""

from .. import lazy_attributes

#: Where each public name lives; a module is imported on first use of one of its names,
#: so that the command line can add the lab's commands without loading pandas.
_LAZY = {"Experiment": "experiment", "Factor": "experiment", "load_experiment": "experiment",
         "ResultsLocked": "lock", "results_lock": "lock", "load_runs": "sweep",
         "plan_runs": "sweep", "replication_seeds": "sweep", "run_sweep": "sweep"}

__all__ = sorted(_LAZY)

__getattr__ = lazy_attributes(__name__, _LAZY)
