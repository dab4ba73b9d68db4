"""What every page shares: the tab's language, and how a failure is shown.

Module-level ``solara.reactive`` values hold one value per browser tab (Solara
keeps them per connection); their defaults are immutable, so nothing is shared
between users.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara

from sim import InputError

#: This tab's language: "en" or "nl".
lang = solara.reactive("en")


def failure_message(err: BaseException) -> str:
    """One line for the page: bad input in its own words, anything else by its kind.

    A traceback never reaches the page; the server log keeps it.
    """
    if isinstance(err, InputError):
        return str(err)
    return f"{type(err).__name__}: {err}"


@solara.component
def Guard(children=()):
    """Shows a failure below it as one line, never a traceback (the server log keeps that)."""
    exception, clear = solara.use_exception()
    if exception is not None:
        import logging

        logging.getLogger("samenspel.dashboard").error("page failed", exc_info=exception)
        solara.Error(failure_message(exception))
        solara.Button("OK", on_click=clear, outlined=True)
        return
    solara.Column(children=list(children))


def guarded(fn: Callable[..., Any], on_error: Callable[[str], Any]) -> Callable[..., Any]:
    """``fn``, but a failure becomes ``on_error(message)`` instead of a traceback."""
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as err:
            import logging

            logging.getLogger("samenspel.dashboard").exception("page action failed")
            on_error(failure_message(err))
            return None
    return call
