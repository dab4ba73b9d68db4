"""The dashboard's own words in English and Dutch.

Parameter and KPI labels are not here: they come from their declarations
(:mod:`sim.params`, :mod:`sim.kpis`). Dutch domain words (wijkteam, vraagwijzer,
WOT) stay Dutch in both languages.
"""

from __future__ import annotations

LANGS = ("en", "nl")

_WORDS: dict[str, tuple[str, str]] = {
    # navigation
    "app_title": ("samenspel: help requests in a neighbourhood",
                  "samenspel: hulpvragen in de wijk"),
    "nav_compare": ("Compare", "Vergelijken"),
    "nav_elephant": ("Elephant in the room", "Olifant in de kamer"),
    "nav_sweeps": ("Sweeps", "Verkenningen"),
    "nav_about": ("About this model", "Over dit model"),
    "language": ("Nederlands", "English"),
    # compare: choosing
    "compare_title": ("Compare access scenarios", "Toegangsscenario's vergelijken"),
    "compare_intro": (
        "Pick two to four settings of the neighbourhood. The first is the reference; each "
        "other one is compared with it, run for run with the same residents and needs.",
        "Kies twee tot vier instellingen van de wijk. De eerste is de referentie; elke andere "
        "wordt daarmee vergeleken, run voor run met dezelfde bewoners en vragen."),
    "scenario": ("Scenario", "Scenario"),
    "reference": ("reference", "referentie"),
    "add_scenario": ("Add a scenario", "Scenario toevoegen"),
    "remove": ("Remove", "Verwijderen"),
    "change_value": ("Change a value", "Een waarde aanpassen"),
    "parameter": ("Parameter", "Parameter"),
    "new_value": ("New value", "Nieuwe waarde"),
    "apply": ("Apply", "Toepassen"),
    "changed_from_preset": ("Changed from the preset", "Gewijzigd ten opzichte van de preset"),
    "no_changes": ("As the preset.", "Zoals de preset."),
    "unit": ("unit", "eenheid"),
    "allowed": ("allowed", "toegestaan"),
    "source": ("source", "bron"),
    "replications": ("Replications (paired runs)", "Herhalingen (gepaarde runs)"),
    "days": ("days", "dagen"),
    "horizon": ("Days simulated (the first half is warm-up, not counted)",
                "Gesimuleerde dagen (de eerste helft is inloop en telt niet mee)"),
    "run": ("Run the comparison", "Vergelijking starten"),
    "cancel": ("Cancel", "Annuleren"),
    "upload": ("Upload a scenario (TOML)", "Scenario uploaden (TOML)"),
    "share_link": ("Link to this comparison", "Link naar deze vergelijking"),
    # compare: running
    "queued": ("Waiting: {n} comparison(s) of other users run first.",
               "Wachten: eerst {n} vergelijking(en) van andere gebruikers."),
    "running": ("{done} of {planned} runs done", "{done} van {planned} runs klaar"),
    "time_left": ("about {s} s left", "nog ongeveer {s} s"),
    "estimating": ("estimating time left", "resterende tijd wordt geschat"),
    "cancelled": ("Cancelled after {done} of {planned} runs.",
                  "Geannuleerd na {done} van {planned} runs."),
    "failed": ("Some runs failed:", "Sommige runs mislukten:"),
    "from_cache": ("Shown at once: this comparison was run before with the same scenarios, "
                   "seeds, horizon and code version.",
                   "Direct getoond: deze vergelijking is eerder gedraaid met dezelfde "
                   "scenario's, seeds, horizon en codeversie."),
    # compare: showing
    "headline": ("What changes", "Wat verandert er"),
    "caveat": (
        "The ranges (\"likely between\") show how much results vary by chance between "
        "simulated runs, given the model's assumptions. They do not say whether those "
        "assumptions are right: that uncertainty is larger, and is described under "
        "\"About this model\".",
        "De marges (\"waarschijnlijk tussen\") laten zien hoeveel uitkomsten door toeval "
        "verschillen tussen gesimuleerde runs, gegeven de aannames van het model. Ze zeggen "
        "niet of die aannames kloppen: die onzekerheid is groter, en staat beschreven onder "
        "\"Over dit model\"."),
    "per_1000": ("per 1,000 residents a year", "per 1.000 inwoners per jaar"),
    "more": ("more", "meer"),
    "fewer": ("fewer", "minder"),
    "longer": ("days longer", "dagen langer"),
    "shorter": ("days shorter", "dagen korter"),
    "points_higher": ("percentage points higher", "procentpunt hoger"),
    "points_lower": ("percentage points lower", "procentpunt lager"),
    "than": ("than", "dan"),
    "and": ("and", "en"),
    "of": ("of", "van"),
    "likely_between": ("likely between", "waarschijnlijk tussen"),
    "better_in": ("better in", "beter in"),
    "higher_in": ("higher in", "hoger in"),
    "paired_runs": ("paired runs", "gepaarde runs"),
    "no_pairs": ("no finished pairs yet", "nog geen afgeronde paren"),
    "table_title": ("All outcomes, with 95% confidence intervals",
                    "Alle uitkomsten, met 95%-betrouwbaarheidsintervallen"),
    "table_note": (
        "Counts per 1,000 residents a year. 95% CI: Student t interval over runs; the "
        "difference is paired on the seed. Significant: the interval of the difference "
        "excludes 0.",
        "Aantallen per 1.000 inwoners per jaar. 95% CI: Student-t-interval over de runs; het "
        "verschil is gepaard op de seed. Significant: het interval van het verschil bevat "
        "de 0 niet."),
    "col_outcome": ("outcome", "uitkomst"),
    "col_unit": ("unit", "eenheid"),
    "col_scenario": ("scenario", "scenario"),
    "col_mean": ("mean", "gemiddelde"),
    "col_diff": ("difference", "verschil"),
    "col_diff_ci": ("difference 95% CI", "verschil 95% CI"),
    "col_better": ("better in", "beter in"),
    "col_significant": ("significant", "significant"),
    "yes": ("yes", "ja"),
    "no": ("no", "nee"),
    "fig_differences": ("Differences against the reference, run by run (dots) with the likely "
                        "range (bar)",
                        "Verschillen met de referentie, per run (stippen) met de "
                        "waarschijnlijke marge (balk)"),
    "fig_daily": ("Day by day: mean over runs, band 2.5-97.5%",
                  "Dag voor dag: gemiddelde over de runs, band 2,5-97,5%"),
    "fig_waits": ("Waiting time by urgency", "Wachttijd per urgentie"),
    "fig_load": ("Load on professionals and volunteers",
                 "Belasting van professionals en vrijwilligers"),
    "fig_routes": ("Routes the requests took", "Routes die de vragen namen"),
    "downloads": ("Downloads", "Downloads"),
    "dl_runs_csv": ("Runs (CSV)", "Runs (CSV)"),
    "dl_runs_parquet": ("Runs (Parquet)", "Runs (Parquet)"),
    "dl_table": ("Comparison table (CSV)", "Vergelijkingstabel (CSV)"),
    "dl_scenarios": ("Scenario files (TOML)", "Scenariobestanden (TOML)"),
    "dl_figure_png": ("Figure (PNG)", "Figuur (PNG)"),
    "dl_figure_svg": ("Figure (SVG)", "Figuur (SVG)"),
    "stamp": ("seeds {seeds} · code {code}", "seeds {seeds} · code {code}"),
}


def t(key: str, lang: str, **values: object) -> str:
    """The dashboard's word for ``key`` in ``lang`` ("en" or "nl"), with values filled in."""
    en, nl = _WORDS[key]
    text = nl if lang == "nl" else en
    return text.format(**values) if values else text
