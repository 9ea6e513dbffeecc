"""Analysis: runs and many runs — what researchers and planners ask of the model.

``result`` (``run`` → Result with tidy tables), ``comparison`` (draws, common
random numbers, intervals, cost-effectiveness), ``calibrate``, ``estimate``
(statsmodels on simulated microdata), ``sweep`` (Dask grids), ``optimize``
(budget optimiser), ``published`` (the baseline against the report's figures, each
marked input check or emergent). Imports from inputs, model and measures only.
"""
