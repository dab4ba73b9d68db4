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
    "horizon": ("Days simulated", "Gesimuleerde dagen"),
    "horizon_note": ("From a warm start every day counts; a cold start does not count its "
                     "first half.",
                     "Na een warme start telt elke dag; een koude start telt de eerste helft "
                     "niet mee."),
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
    "staff": ("Staff", "Formatie"),
    "fte": ("FTE", "fte"),
    "of_which_desk": ("{} of them at the desk", "waarvan {} aan de balie"),
    "fte_differ": ("Warning: these scenarios differ in staff time, so the differences below "
                   "are partly the extra or missing staff, not the policy alone.",
                   "Let op: deze scenario's verschillen in formatie, dus de verschillen "
                   "hieronder komen deels door meer of minder personeel, niet alleen door het "
                   "beleid."),
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
        "Counts over the counted half of the horizon, each followed by its rate per 1,000 "
        "residents a year. 95% CI: Student t interval over runs; the difference is paired on "
        "the seed. Significant: the interval of the difference excludes 0.",
        "Aantallen over de getelde helft van de horizon, elk gevolgd door het aantal per 1.000 "
        "inwoners per jaar. 95% CI: Student-t-interval over de runs; het verschil is gepaard "
        "op de seed. Significant: het interval van het verschil bevat de 0 niet."),
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
    "fig_differences": ("Differences", "Verschillen"),
    "fig_differences_title": ("Differences against the reference, run by run (dots) with the "
                              "likely range (bar)",
                              "Verschillen met de referentie, per run (stippen) met de "
                              "waarschijnlijke marge (balk)"),
    "fig_groups": ("Who falls through", "Wie valt buiten de boot"),
    "fig_groups_title": ("By group: each scenario's mean with its 95% interval",
                         "Per groep: gemiddelde per scenario met 95%-interval"),
    "fig_daily": ("Day by day", "Dag voor dag"),
    "fig_daily_title": ("Day by day: mean over runs, band 2.5-97.5%",
                        "Dag voor dag: gemiddelde over de runs, band 2,5-97,5%"),
    "fig_waits": ("Waiting times", "Wachttijden"),
    "fig_waits_title": ("Waiting time by urgency", "Wachttijd per urgentie"),
    "fig_load": ("Load", "Belasting"),
    "fig_load_title": ("Load on professionals and volunteers",
                       "Belasting van professionals en vrijwilligers"),
    "fig_routes": ("Routes", "Routes"),
    "fig_routes_title": ("Routes the requests took", "Routes die de vragen namen"),
    "downloads": ("Downloads", "Downloads"),
    "dl_runs_csv": ("Runs (CSV)", "Runs (CSV)"),
    "dl_runs_parquet": ("Runs (Parquet)", "Runs (Parquet)"),
    "dl_table": ("Comparison table (CSV)", "Vergelijkingstabel (CSV)"),
    "dl_report": ("Report (report.html)", "Rapport (report.html)"),
    "dl_scenarios": ("Scenario files (TOML)", "Scenariobestanden (TOML)"),
    "dl_figure_png": ("Figure (PNG)", "Figuur (PNG)"),
    "dl_figure_svg": ("Figure (SVG)", "Figuur (SVG)"),
    "stamp": ("seeds {seeds} · code {code}", "seeds {seeds} · code {code}"),
    # elephant
    "elephant_title": ("The elephant in the room", "De olifant in de kamer"),
    "elephant_intro": (
        "One resident has a need that several people see. Each of them decides every day "
        "whether to act; the more people see it, the less responsible each one feels "
        "(diffusion of responsibility).",
        "Eén bewoner heeft een hulpvraag die meerdere mensen zien. Ieder van hen besluit "
        "elke dag of hij iets doet; hoe meer mensen het zien, hoe minder verantwoordelijk "
        "ieder zich voelt (diffusie van verantwoordelijkheid)."),
    "bystanders": ("People who see the need", "Mensen die de vraag zien"),
    "diffusion_on": ("Diffusion of responsibility", "Diffusie van verantwoordelijkheid"),
    "diffusion_t": ("Strength of diffusion (t)", "Sterkte van de diffusie (t)"),
    "direct_request": ("Asked directly", "Direct gevraagd"),
    "named_owner": ("A named owner", "Een benoemde eigenaar"),
    "familiar": ("They know the person (met at a meeting place)",
                 "Ze kennen de persoon (ontmoet op een ontmoetingsplek)"),
    "seed": ("Seed", "Seed"),
    "step": ("Next day", "Volgende dag"),
    "play": ("Play", "Afspelen"),
    "pause": ("Pause", "Pauze"),
    "restart": ("Start again", "Opnieuw"),
    "speed": ("Days per second", "Dagen per seconde"),
    "presentation": ("Presentation mode", "Presentatiemodus"),
    "alone": ("Alone", "Alleen"),
    "with_n": ("With {n} who see it", "Met {n} die het zien"),
    "day_n": ("Day {day}", "Dag {day}"),
    "answered_on": ("answered on day {day}", "beantwoord op dag {day}"),
    "still_open": ("nobody has acted yet", "nog niemand heeft iets gedaan"),
    "in_need": ("in need", "hulpvraag"),
    "unaware": ("has not noticed", "heeft het niet gezien"),
    "aware": ("sees it", "ziet het"),
    "hesitating": ("hesitates", "aarzelt"),
    "acting": ("acts", "doet iets"),
    "chance_today": ("chance today", "kans vandaag"),
    "curve_title": ("Over many trials: who acts on the first day",
                    "Over veel herhalingen: wie doet iets op de eerste dag"),
    "more_trials": ("Repeat 500 more times", "Nog 500 keer herhalen"),
    "trials_n": ("{n} trials for each group size", "{n} herhalingen per groepsgrootte"),
    "p_individual": ("each person acts", "ieder persoon doet iets"),
    "p_any": ("anyone acts", "iemand doet iets"),
    "independent": ("without diffusion", "zonder diffusie"),
    "dl_points": ("Darley & Latané 1968", "Darley & Latané 1968"),
    "group_size": ("people who see the need", "mensen die de vraag zien"),
    "share_day1": ("share on the first day", "aandeel op de eerste dag"),
    "notice": ("What to notice", "Waar let je op"),
    "notice_text": (
        "With more people around, each person's own chance to act drops. Does the need get "
        "answered sooner or later on the right than alone on the left?",
        "Met meer mensen erbij daalt ieders eigen kans om iets te doen. Wordt de vraag "
        "rechts eerder of later beantwoord dan links, alleen?"),
    "try": ("What to try", "Wat kun je proberen"),
    "try_text": (
        "Switch on \"asked directly\" or \"a named owner\": one person no longer hides in "
        "the group. Then try \"they know the person\".",
        "Zet \"direct gevraagd\" of \"een benoemde eigenaar\" aan: één persoon verschuilt "
        "zich niet langer in de groep. Probeer daarna \"ze kennen de persoon\"."),
    # about
    "about_purpose": ("What the model is for", "Waarvoor het model dient"),
    "about_assumptions": ("Main assumptions", "Belangrijkste aannames"),
    "about_assumed_defaults": ("Defaults that rest on no number",
                               "Standaardwaarden zonder bron"),
    "about_kpis": ("What each outcome means", "Wat elke uitkomst betekent"),
    "about_parameters": ("Every parameter and where its value comes from",
                         "Elke parameter en waar de waarde vandaan komt"),
    "about_better": ("better when", "beter als"),
    "about_higher": ("higher", "hoger"),
    "about_lower": ("lower", "lager"),
    "about_odd_note": ("From the model description (ODD), in English.",
                       "Uit de modelbeschrijving (ODD), in het Engels."),
    # sweeps
    "sweeps_title": ("Sweeps", "Verkenningen"),
    "sweeps_intro": (
        "Open a results directory written by `samenspel sweep` or `samenspel compare`. Only "
        "directories under the results root can be opened: `{root}`. Sweeps are started with "
        "`samenspel sweep EXPERIMENT`.",
        "Open een resultatenmap van `samenspel sweep` of `samenspel compare`. Alleen mappen "
        "onder de resultatenmap kunnen open: `{root}`. Verkenningen start je met "
        "`samenspel sweep EXPERIMENT`."),
    "sweeps_directory": ("Results directory", "Resultatenmap"),
    "sweeps_open": ("Open", "Openen"),
    "sweeps_none_found": ("No results under the root yet.", "Nog geen resultaten onder de map."),
    "sweeps_runs": ("Runs", "Runs"),
    "sweeps_shown": ("{n} of {total} runs pass the filters",
                     "{n} van {total} runs voldoen aan de filters"),
    "sweeps_clear_filters": ("Clear filters", "Filters wissen"),
    "sweeps_parallel": ("Parallel coordinates", "Parallelle coördinaten"),
    "sweeps_sensitivity": ("Sensitivity", "Gevoeligheid"),
    "sweeps_sensitivity_morris": (
        "Morris screening (SALib, over every run): mu* is the mean absolute elementary "
        "effect, with a bootstrap 95% interval; it ranks the factors.",
        "Morris-screening (SALib, over alle runs): mu* is het gemiddelde absolute "
        "elementaire effect, met een bootstrap-95%-interval; het rangschikt de factoren."),
    "sweeps_sensitivity_sobol": (
        "Sobol indices (SALib, over every run): ST is the total-order index, the share of "
        "the outcome's variance a factor has a part in, with a bootstrap 95% interval.",
        "Sobol-indices (SALib, over alle runs): ST is de totale index, het deel van de "
        "variantie waarin een factor een rol speelt, met een bootstrap-95%-interval."),
    "sweeps_sensitivity_grid": (
        "Standardized regression coefficients (over every run) with bootstrap 95% "
        "intervals: the change of the outcome, in standard deviations, per standard "
        "deviation of a factor. They rank the factors only when R² is high.",
        "Gestandaardiseerde regressiecoëfficiënten (over alle runs) met bootstrap-95%-"
        "intervallen: de verandering van de uitkomst, in standaarddeviaties, per "
        "standaarddeviatie van een factor. Ze rangschikken alleen bij een hoge R²."),
    "sweeps_no_sensitivity": ("No sensitivity indices for this sweep.",
                              "Geen gevoeligheidsindices voor deze verkenning."),
    "sweeps_kpi": ("Outcome", "Uitkomst"),
    "sweeps_x": ("Along", "Langs"),
    "sweeps_colour": ("Colour by", "Kleur naar"),
    "sweeps_none": ("(none)", "(geen)"),
    "sweeps_threshold": ("Threshold", "Drempel"),
    "sweeps_start": ("Start a sweep", "Een verkenning starten"),
    "sweeps_experiment": ("Experiment", "Experiment"),
    "sweeps_start_button": ("Start", "Starten"),
    "sweeps_running": ("{done} of {planned} runs written to {out}",
                       "{done} van {planned} runs geschreven naar {out}"),
    "sweeps_finished": ("Finished: {done} of {planned} runs in {out}",
                        "Klaar: {done} van {planned} runs in {out}"),
    "sweeps_stopped": ("Stopped after {done} of {planned} runs; start again to resume",
                       "Gestopt na {done} van {planned} runs; start opnieuw om verder te gaan"),
    "sweeps_crossings": ("Where the mean crosses the threshold",
                         "Waar het gemiddelde de drempel kruist"),
    # sweeps: a robustness run (dashboards/robustness.py)
    "robustness_title": ("Robustness of the policy answer", "Hoe robuust is het beleidsantwoord"),
    "robustness_boxes": ("When the answer flips (PRIM boxes)",
                         "Wanneer het antwoord omslaat (PRIM-boxen)"),
}


def t(key: str, lang: str, **values: object) -> str:
    """The dashboard's word for ``key`` in ``lang`` ("en" or "nl"), with values filled in."""
    en, nl = _WORDS[key]
    text = nl if lang == "nl" else en
    return text.format(**values) if values else text
