"""The model: the yearly loop over arrays shaped (draw, school, grade, group).

``engine`` (allocate_budget → move_teachers → apply_dropout_controls → learn →
progress), ``levers/`` (budget, teachers, dropout: small pure functions on arrays),
``learning``, ``progression`` (returns, dropouts, grade moves, entry) and
``outcomes`` (vectorised outcome indicators of one simulated year).
Imports only from :mod:`simulate.inputs` and the base modules.
"""
