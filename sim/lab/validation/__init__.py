"""The sections of ``samenspel validate`` (:mod:`sim.lab.validate`), one module each.

* :mod:`.core`: a check, a job and its cache, a section, the report's small tables;
* :mod:`.queues`: queue-only mode against Erlang C, Cobham, Little and pooling;
* :mod:`.bystanders`: the elephant against Darley & Latané (1968);
* :mod:`.arms`: model runs of a preset on paired seeds, shared by the sections below;
* :mod:`.access`: the time budget and the pass-through desk;
* :mod:`.patterns`: the patterns of the seed report that are checks;
* :mod:`.dutch`: the city presets beside the Dutch figures (reported, never failing);
* :mod:`.held_out`: Schiedam's four weeks, held out from its calibration;
* :mod:`.consistency`: rows that hold by construction, reported as such.

A check is a comparison a wrong model would fail; a row that holds by construction is
not one, and goes to :mod:`.consistency` with the reason it cannot fail.
"""
