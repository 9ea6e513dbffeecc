"""Inputs: everything read from disk, validated at load, before anything runs.

``district`` (the District type and its column specs), ``validation`` (the column
rules), ``load`` (a folder or DataFrames → District), ``synthesize`` (the
synthetic default district), ``schema`` (the parameter tree's types and bounds),
``scenario`` (baseline + changes → Scenario), ``yamlfile`` (the one YAML reader).
Imports only :mod:`simulate.provenance` and :mod:`simulate.randomness` from outside.
"""
