"""The process-mining event log of a run, kept as columns of numbers.

A neighbourhood-year logs a few hundred thousand events. Kept as one tuple of
objects each, they would be the bulk of the objects a run leaves behind: they
crowd the processor's cache while the run goes on, and the garbage collector walks
all of them once the run ends, so time would grow faster than the neighbourhood.
Here every event is four numbers in :mod:`array` arrays: no object per event and
nothing for the collector to walk. Activities are coded in a small table and
resources as ``kind << 32 | index``; names are formatted once each when the frame
is built.
"""

from __future__ import annotations

from array import array

import numpy as np
import pandas as pd

from .vocabulary import INDEXED, RESOURCE_KINDS


def resource_name(code: int) -> str:
    """``resident:12`` for RESIDENT + 12, ``vraagwijzer`` for VRAAGWIJZER, '' for none."""
    kind = RESOURCE_KINDS[code >> 32]
    return f"{kind}:{code & 0xFFFFFFFF}" if kind in INDEXED else kind


def resource_names(codes: np.ndarray) -> pd.Categorical:
    """Resource codes as a categorical of their names, each name formatted once."""
    unique, inverse = np.unique(codes, return_inverse=True)
    return pd.Categorical.from_codes(
        inverse.reshape(-1), categories=pd.Index([resource_name(int(c)) for c in unique],
                                                 dtype=object))


class EventLog:
    """Append-only columns: case id, activity code, time in days, resource code."""

    def __init__(self) -> None:
        self.case = array("q")
        self.activity = array("q")
        self.time = array("d")
        self.resource = array("q")
        self.activity_codes: dict[str, int] = {}  # a few dozen distinct activities

    def log(self, case: int, activity: str, t: float, resource: int) -> None:
        code = self.activity_codes.get(activity)
        if code is None:
            code = self.activity_codes[activity] = len(self.activity_codes)
        self.case.append(case)
        self.activity.append(code)
        self.time.append(t)
        self.resource.append(resource)

    def frame(self) -> pd.DataFrame:
        """Columns ``case_id``, ``activity``, ``day``, ``resource`` (names as categoricals)."""
        return pd.DataFrame({
            "case_id": np.frombuffer(self.case, dtype=np.int64).copy(),
            "activity": pd.Categorical.from_codes(
                np.frombuffer(self.activity, dtype=np.int64),
                categories=pd.Index(list(self.activity_codes), dtype=object)),
            "day": np.frombuffer(self.time, dtype=np.float64).copy(),
            "resource": resource_names(np.frombuffer(self.resource, dtype=np.int64)),
        })


class NoEventLog(EventLog):
    """A log that keeps nothing: for the warm start's pilot and pre-history, whose events
    are never read (ODD 5)."""

    def log(self, case: int, activity: str, t: float, resource: int) -> None:
        pass
