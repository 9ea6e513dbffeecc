"""Analysis: runs and many runs — what researchers and planners ask of the model.

``result`` (``run`` → Result with tidy tables), ``comparison`` (draws, common
random numbers, intervals, cost-effectiveness), ``calibrate``, ``estimate``
(statsmodels on simulated microdata), ``sweep`` (Dask grids), ``optimize``
(budget optimiser). Imports from inputs, model and measures only.
"""
