"""Presets say what they are: the access contrast differs in access only, and every value a
city preset sets is either sourced or marked as an assumption."""

from __future__ import annotations

import tomllib

import pytest

import sim
from sim.params import flat
from sim.scenario import scenarios_dir

#: The pure access contrast on one neighbourhood (README, docs/ODD.md 5).
ACCESS_CONTRAST = ("rotterdam_vraagwijzer", "schiedam_walk_in", "schiedam_walk_in_triage")
#: Keys the access contrast may vary; everything else is the same neighbourhood and team.
ACCESS_SECTIONS = ("access.", "frontdesk.")
#: What a scenario is called, not how it behaves.
METADATA = ("name", "description")
#: Presets whose every set value carries a [sources] entry.
SOURCED = (*ACCESS_CONTRAST, "rotterdam", "schiedam", "rotterdam_base", "schiedam_base",
           "dordrecht_meeting_place", "vlaardingen_klussenbank")


def behaviour(preset: str) -> dict:
    return {k: v for k, v in flat(sim.load_scenario(preset)).items() if k not in METADATA}


@pytest.mark.parametrize("other", ACCESS_CONTRAST[1:])
def test_access_contrast_differs_only_in_access_and_frontdesk(other):
    first, second = behaviour(ACCESS_CONTRAST[0]), behaviour(other)
    assert first.keys() == second.keys(), "expected both presets to have every declared key"
    differ = sorted(k for k in first if first[k] != second[k])
    outside = [f"{k}: {first[k]!r} vs {second[k]!r}" for k in differ
               if not k.startswith(ACCESS_SECTIONS)]
    assert not outside, \
        f"expected {ACCESS_CONTRAST[0]} and {other} to differ only in access.* and " \
        f"frontdesk.* keys, they also differ in: {outside}"
    assert any(k.startswith("access.") for k in differ), \
        f"expected {ACCESS_CONTRAST[0]} and {other} to differ in their access policy"


def test_city_presets_differ_in_more_than_access():
    """The cities as they are keep the outreach difference the access contrast removes."""
    rotterdam, schiedam = behaviour("rotterdam"), behaviour("schiedam")
    assert rotterdam["wijkteam.share_outreach"] < schiedam["wijkteam.share_outreach"], \
        "expected Schiedam's mandated neighbourhood hours in the schiedam preset only"


def _set_keys(tree: dict, prefix: str = "") -> list[str]:
    """Dotted keys a scenario file sets, without [sources] and the metadata."""
    keys = []
    for k, v in tree.items():
        if not prefix and k in ("sources", *METADATA, "days"):
            continue
        keys += _set_keys(v, f"{prefix}{k}.") if isinstance(v, dict) else [prefix + k]
    return keys


@pytest.mark.parametrize("preset", SOURCED)
def test_every_set_value_is_sourced_or_an_assumption(preset):
    tree = tomllib.loads((scenarios_dir() / f"{preset}.toml").read_text(encoding="utf-8"))
    sources = tree.get("sources", {})
    missing = [k for k in _set_keys(tree) if k not in sources]
    assert not missing, f"expected a [sources] entry for every value {preset} sets; " \
                        f"none for {missing}"
    vague = {k: s for k, s in sources.items()
             if "assumption" not in s.lower() and "DOMAIN.md" not in s}
    assert not vague, f"expected every source of {preset} to cite DOMAIN.md or say " \
                      f"'assumption', these do neither: {vague}"
