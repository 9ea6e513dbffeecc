"""Education-equity policy workbench.

    import simulate as sim
    district = sim.load_district()                 # the default district (data/banan)
    scenario = sim.load_scenario("baseline")       # a name under params/ or a path
    result = sim.run(district, scenario, years=7, seed=0, mode="stochastic")
    cmp = sim.compare(district, ["baseline", "no_policy"], reference="baseline", draws=200)
    sim.equity.gini(values, weights)
"""

from .measures import equity
from .inputs.district import District, DistrictError
from .inputs.load import load_district
from .analysis.comparison import Comparison, compare
from .analysis.result import Result, run
from .inputs.scenario import Scenario, ScenarioError, available_scenarios, load_scenario

__all__ = ["equity", "District", "DistrictError", "load_district", "Result", "run", "Scenario",
           "ScenarioError", "available_scenarios", "load_scenario", "compare", "Comparison"]
__version__ = "0.1.0"

