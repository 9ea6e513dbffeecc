"""Measures: equity and balance indicators of what the model produced.

``equity`` (CV, Gini, Theil, Atkinson, McLoone, Verstegen, ranges; the public
``sim.equity``), ``gaps`` (its group gaps, concentration index and the rest),
``balance`` (resource equity across schools and China's county balance test),
``indicators`` (a run's tidy indicator table). Imports from inputs and model only.
"""
