"""The rules of the model, one module per submodel of ODD section 7.

=====================  ===================================================  ========
module                 submodel                                             ODD
=====================  ===================================================  ========
``needs``              needs arising and residents seeking help             7.2, 7.3
``bystander``          the diffusion-of-responsibility rule (pure)          7.4
``noticing``           who notices a need, and when an aware person acts    7.4, 7.5
``informal``           informal help by ties and neighbours, and its end    7.6
``volunteers``         the volunteer initiative: recruitment, matching,     7.7
                       motivation and dropout
``meeting_places``     visits, familiarity, needs surfacing, hosts          7.8
``frontdesk``          formal access: the vraagwijzer gate or walk-in       7.9
``referral``           professionals passing requests to informal help      7.10
``wijkteam``           the wijkteam's slots, waiting list, triage, overload 7.11
``outreach``           professionals finding needs in the neighbourhood     7.5, 7.11
``escalation``         rising urgency, crisis and withdrawal                7.12
``crisis``             the crisis service: its own places and response      7.12
=====================  ===================================================  ========

Each rule module imports only the shared vocabulary (:mod:`sim.vocabulary`), the
parameters, the random streams and the pure bystander rule. A rule reaches the
state and the other rules through the :class:`sim.model.Neighbourhood` it is given,
which wires them together, so a rule can be read, and tested, on its own.
"""
