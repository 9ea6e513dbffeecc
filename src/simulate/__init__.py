"""Education-equity policy workbench.

    import simulate as sim
    district = sim.load_district()                 # the default district (data/banan)
    scenario = sim.load_scenario("baseline")       # a name under params/ or a path
    result = sim.run(district, scenario, years=7, seed=0, mode="stochastic")
    cmp = sim.compare(district, ["baseline", "no_policy"], reference="baseline", draws=200)
    cmp.breakdown("child_years_out_of_school.total", by="town")   # below the district, same draws
    sim.indicators()                               # every indicator: labels, unit, direction, definition
    sim.parameters()                               # every parameter: value, unit, range, source, status
    sim.save_scenario(scenario.with_changes({...}, name="mine", title="..."))  # params/scenarios/mine.yaml
    sim.equity.gini(values, weights)
"""

import importlib as _importlib

# name → module holding it. Imported on first use (PEP 562), so that `import simulate`
# and the `simulate` command start in milliseconds: a Ctrl-C during start-up then
# reaches the command's own handler instead of printing a traceback from numpy.
_PUBLIC = {
    "equity": ".measures",
    "District": ".inputs.district", "DistrictError": ".inputs.district",
    "load_district": ".inputs.load",
    "Comparison": ".analysis.comparison", "compare": ".analysis.comparison",
    "Result": ".analysis.result", "run": ".analysis.result",
    "Scenario": ".inputs.scenario", "ScenarioError": ".inputs.scenario",
    "available_scenarios": ".inputs.scenario", "load_scenario": ".inputs.scenario",
    "save_scenario": ".inputs.scenario",
    "indicators": ".measures.catalogue", "parameters": ".inputs.parameters_catalogue",
    "SimulateError": ".errors", "InputError": ".errors", "NotFoundError": ".errors",
}

__all__ = ["equity", "District", "DistrictError", "load_district", "Result", "run", "Scenario",
           "ScenarioError", "available_scenarios", "load_scenario", "save_scenario", "compare", "Comparison",
           "indicators", "parameters", "SimulateError", "InputError", "NotFoundError"]
__version__ = "0.1.0"


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'simulate' has no attribute {name!r}")
    module = _importlib.import_module(_PUBLIC[name], __name__)
    value = getattr(module, name) if hasattr(module, name) else _importlib.import_module(f"{_PUBLIC[name]}.{name}",
                                                                                          __name__)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

