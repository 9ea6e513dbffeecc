"""Claims about scenario discovery (simulate.analysis.discovery, PRIM from ema-workbench).

* PRIM finds a planted box (a > 0.6 and b < 0.3, 3% label noise) on synthetic
  data, leaves the irrelevant parameter unrestricted, and reports coverage and density.
* On the model, the misses PRIM describes are the sampled futures where the
  plan's indicator is above the threshold, and the summary says so in words.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulate.analysis.discovery import discover, prim_boxes
from simulate.inputs.load import load_district
from simulate.inputs.synthesize import synthesize


def planted(n=2000, noise=0.03, seed=0):
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.random((n, 3)), columns=["a", "b", "c"])
    inside = (x.a > 0.6) & (x.b < 0.3)
    return x, np.where(rng.random(n) < noise, ~inside, inside), inside


@pytest.mark.slow
def test_prim_finds_a_planted_box():
    x, y, inside = planted()
    boxes, trajectory = prim_boxes(x, y)
    box = boxes.set_index("parameter")
    assert set(box.index) == {"a", "b"}                       # c is irrelevant
    assert box.loc["a", "lower"] == pytest.approx(0.6, abs=0.05) and box.loc["a", "upper"] == pytest.approx(1, abs=0.01)
    assert box.loc["b", "upper"] == pytest.approx(0.3, abs=0.06) and box.loc["b", "lower"] == pytest.approx(0, abs=0.01)
    assert box["coverage"].iloc[0] > 0.8 and box["density"].iloc[0] > 0.8
    # each restriction is far more than chance (quasi-p-value of its restricted side; -1: side not restricted)
    assert box.loc["a", "qp_lower"] < 1e-10 and box.loc["a", "qp_upper"] == -1
    assert box.loc["b", "qp_upper"] < 1e-10 and box.loc["b", "qp_lower"] == -1
    assert trajectory["chosen"].sum() == 1
    # coverage and density are what they say: shares of the misses and of the futures in the box
    k = int(box["k"].iloc[0])
    assert box["coverage"].iloc[0] == pytest.approx(k / y.sum()) and box["density"].iloc[0] == pytest.approx(
        k / int(box["n"].iloc[0]))


def test_prim_with_no_misses_says_there_is_nothing_to_discover():
    x, _, _ = planted(200)
    with pytest.raises(ValueError, match="nothing to discover"):
        prim_boxes(x, np.zeros(len(x), dtype=bool))


def test_discovery_on_the_model_marks_the_futures_that_miss(tmp_path):
    folder = tmp_path / "district"
    synthesize(30, 0).to_dir(folder)
    district = load_district(folder)
    first = discover(district, "baseline", "dropout_gap.poor.junior", 0.0, years=2, n=60)
    threshold = float(np.median(first.sample["value"]))
    d = discover(district, "baseline", "dropout_gap.poor.junior", threshold, years=2, n=60)
    assert d.sample["misses"].equals(d.sample["value"] > threshold)
    assert d.miss_share == pytest.approx(0.5, abs=0.05)
    assert d.summary().startswith("baseline: dropout_gap.poor.junior: the target (≤ ")
    assert d.settings["runs"] == 60


def test_a_target_that_always_holds_has_no_box_and_says_so(tmp_path):
    folder = tmp_path / "district"
    synthesize(20, 0).to_dir(folder)
    d = discover(load_district(folder), "baseline", "dropout_gap.poor.junior", 1e6, years=1, n=20)
    assert d.miss_share == 0 and d.boxes.empty
    assert d.summary().endswith("it holds in every sampled future.")
