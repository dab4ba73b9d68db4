"""The event calendar: everything with an exact time happens in time order (ODD 3.1, 3.2).

A day step would bias the queue if events inside a day were handled in a fixed
order, so needs arising, cases ending, referrals arriving and bystanders acting are
events at exact times, processed in time order (ties in the order they were
scheduled).

Events for later days wait unordered in one bucket per day; a day's bucket is sorted
once when the day opens, and events scheduled during the day for that same day go
on a small heap merged with it. Most events thus cost an append and a pop, whatever
the size of the neighbourhood, and an event that goes stale before its day (the
withdrawal of a need answered meanwhile) is sorted with its day's other events, not
pushed through a heap of the whole future.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

_floor = math.floor
Entry = tuple[float, int, str, Any]  # time, sequence number, event kind, payload


class Calendar:
    """Scheduled events by kind, handled by the function registered for that kind."""

    def __init__(self) -> None:
        self.handlers: dict[str, Callable[[Any], None]] = {}
        self._heap: list[Entry] = []  # scheduled during today, for today
        self._today: list[Entry] = []  # today's bucket, sorted latest first
        self._later: defaultdict[int, list[Entry]] = defaultdict(list)  # by day, unordered
        self._day_end = 0.0
        self._seq = 0

    @property
    def events_scheduled(self) -> int:
        """Events scheduled so far: the model's work, for benchmarks."""
        return self._seq

    def on(self, handlers: dict[str, Callable[[Any], None]]) -> None:
        """Register the handlers of event kinds; each kind has exactly one."""
        clash = handlers.keys() & self.handlers.keys()
        if clash:
            raise ValueError(f"event kinds handled twice: {sorted(clash)}")
        self.handlers.update(handlers)

    def schedule(self, t: float, kind: str, payload: Any) -> None:
        """Put an event on the calendar: in the bucket of its day, or, for the day under
        way, on the heap."""
        self._seq = seq = self._seq + 1
        if t < self._day_end:
            heapq.heappush(self._heap, (t, seq, kind, payload))
        else:
            self._later[_floor(t)].append((t, seq, kind, payload))  # days before 0 too

    def start_at(self, d: int) -> None:
        """Let the calendar begin at day ``d``: the warm start's pre-history begins before 0."""
        self._day_end = float(d)

    def open_day(self, d: int) -> None:
        """Sort day ``d``'s bucket; events scheduled from now on for this day go on the heap."""
        today = self._later.pop(d, [])
        today.sort(reverse=True)  # latest first, to pop from the end
        self._today = today
        self._day_end = d + 1.0

    def run_day(self, model: Any, mark: Callable[[float], None]) -> None:
        """Handle today's events in time order: the sorted bucket merged with the heap.

        Before each event, ``mark(t)`` lets time-integrated statistics catch up and
        ``model.now`` becomes the event's time.
        """
        today, heap, handlers = self._today, self._heap, self.handlers
        while True:
            if heap and (not today or heap[0] < today[-1]):
                t, _, kind, payload = heapq.heappop(heap)
            elif today:
                t, _, kind, payload = today.pop()
            else:
                break
            mark(t)
            model.now = t
            handlers[kind](payload)
        mark(self._day_end)
        model.now = self._day_end

    def plan_day(self, queue: deque, holder: Any, capacity: float, d: int, state: str,
                 kind: str) -> None:
        """Take up to the day's capacity of still-waiting requests, spread over day ``d``.

        The desk and the hosts plan in the morning (ODD 3.1): the k requests taken
        become ``kind`` events, the i-th at d + (i + 0.5)/k. Only the fraction of a
        request that a day's capacity leaves over carries to the next day
        (``holder.credit``), so a desk of capacity 2.5 handles 2 and 3 on alternate days.
        """
        available = holder.credit + capacity
        taken = []
        while queue and len(taken) + 1 <= available:
            need = queue.popleft()
            if need.state == state:
                taken.append(need)
        holder.credit = (available - len(taken)) % 1.0
        for i, need in enumerate(taken):
            self.schedule(d + (i + 0.5) / len(taken), kind, (need, holder))
