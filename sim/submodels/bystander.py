"""The diffusion-of-responsibility rule, shared by the model and the elephant demo.

Latané's social impact form: a person who is one of ``n`` people aware of a need
acts on a given day with probability ``p1 * n**-t``. A direct personal request,
being the named owner, or a tie to the person in need removes a share of the
exponent ``t`` for that person (Fischer et al. 2011; Philpot et al. 2020). With
diffusion off, ``t`` is 0 for everyone: each person decides independently.
"""

from __future__ import annotations

from ..params import Bystander

DIRECT = 1  # asked directly, personally
TIE = 2  # household, neighbour, friend or familiarity tie to the person in need
OWNER = 4  # the named responsible owner


def exponent(rule: Bystander, flags: int) -> float:
    """The diffusion exponent ``t`` for one person, after the reductions that apply."""
    if not rule.diffusion:
        return 0.0
    t = rule.diffusion_t
    if flags & DIRECT:
        t *= 1.0 - rule.direct_request_reduction
    if flags & OWNER:
        t *= 1.0 - rule.owner_reduction
    if flags & TIE:
        t *= 1.0 - rule.familiarity_reduction
    return t


def p_act(rule: Bystander, n_aware: int, flags: int, p1: float) -> float:
    """Daily probability that one aware person acts, with ``n_aware`` people aware.

    ``p1`` is what this person would do alone: the base daily chance times their
    willingness for this kind of need and (1 - their reluctance to help).
    """
    if n_aware < 1:
        raise ValueError(f"n_aware must be at least 1, got {n_aware}")
    return p1 * n_aware ** -exponent(rule, flags)
