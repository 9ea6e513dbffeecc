"""The model earns trust: it reproduces a published trial and the package's sign.

In-silico replication of Mo, Zhang, Yi, Luo, Rozelle & Brinton (J. Development
Studies 49(2), 2013; shared/context/evidence.md): a conditional cash transfer
to poor junior-secondary pupils in a poor county cut their annual dropout from
13.3% to 5.3% (−8 pp, rough 95% interval ± 6.5 pp). We simulate that design —
poor junior-secondary pupils in 20 rural and mountain schools, no other policy,
aid (the assumed transfer of 1,000 yuan a year, every pupil, no targeting
error) against no aid, one school year — with parameter uncertainty and
binomial flows on common random numbers, and require the mean fall to lie in
the published interval [−14.5, −1.5] pp.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import simulate as sim
from simulate.inputs.district import District
from simulate.inputs.load import district_from_frames

MO_FALL_PP = -8.0
MO_HALF_WIDTH_PP = 6.5
MO_TRANSFER_YUAN = 1000.0  # assumed, unverified (params/baseline.yaml, dropout.aid_effect.trial_yuan)
NO_UNCERTAINTY = {"distribution": "uniform", "low": 0.0, "high": 0.0}


def poor_county(n_schools: int = 20, pupils_per_grade: int = 50) -> District:
    """Junior secondary schools of a poor county: every pupil from a poor household."""
    ids = [f"MO{i:02d}" for i in range(n_schools)]
    location = ["mountain" if i % 2 else "rural" for i in range(n_schools)]
    schools = pd.DataFrame({
        "school_id": ids, "name": [f"初中{i}" for i in range(n_schools)], "name_en": ids,
        "town": [f"镇{i // 4}" for i in range(n_schools)], "town_en": [f"Town {i // 4}" for i in range(n_schools)],
        "level": "junior", "location": location, "boarding": 1, "boarding_share": 0.5,
        "teachers": round(3 * pupils_per_grade / 13.5), "senior_teachers": 2, "teacher_quality": -0.2,
        "facility_index": 0.5, "feeder_school_id": "",
    })
    enrolment = pd.DataFrame([{"school_id": sid, "grade": g, "poor": 1, "left_behind": 0, "disabled": 0,
                               "migrant": 0, "enrolled": pupils_per_grade, "out_of_school": 0}
                              for sid in ids for g in (7, 8, 9)])
    return district_from_frames("mo2013-poor-county", schools, enrolment)


def mo_scenarios():
    base = sim.load_scenario("no_policy")
    aid = "budget.student_aid.registered_poor."

    def arm(yuan, name):
        return base.with_changes({aid + "yuan_per_pupil": yuan, aid + "coverage": 1.0,
                                  aid + "targeting_error": {"value": 0.0, "uncertainty": NO_UNCERTAINTY}},
                                 name=name, title=name)

    return arm(0.0, "mo_control"), arm(MO_TRANSFER_YUAN, "mo_transfer")


def test_mo_2013_replication():
    control, transfer = mo_scenarios()
    cmp = sim.compare(poor_county(), [control, transfer], reference=control, draws=200, seed=2013, years=1,
                      progress=False)
    fall = 100 * cmp.diff_samples("mo_transfer", "dropout_rate.junior")[:, 0]  # pp, per draw
    lo, hi = np.quantile(fall, [0.05, 0.95])
    level = 100 * cmp.samples["mo_control"]["dropout_rate.junior"][:, 0].mean()
    print(f"\nMo et al. 2013 in silico: control dropout {level:.1f}%, fall {fall.mean():+.2f} pp "
          f"(90% interval {lo:+.2f} to {hi:+.2f}); published {MO_FALL_PP:+.1f} ± {MO_HALF_WIDTH_PP} pp")
    assert MO_FALL_PP - MO_HALF_WIDTH_PP <= fall.mean() <= MO_FALL_PP + MO_HALF_WIDTH_PP
    assert hi < 0  # the simulated transfer lowers dropout in nearly every draw


def test_2019_package_lowered_poor_pupils_dropout():
    cmp = sim.compare(sim.load_district(), ["baseline", "no_policy"], reference="no_policy", draws=60, seed=7,
                      years=1, interval=0.9, progress=False)
    t = cmp.table.set_index(["scenario", "indicator"])
    for ind in ("dropouts.poor", "dropout_rate.junior.poor_rural", "dropout_rate.primary.poor_rural"):
        row = t.loc[("baseline", ind)]
        print(f"\nbaseline − no_policy, {ind}: {row['diff']:+.4f} (90% interval {row['diff_lo']:+.4f} "
              f"to {row['diff_hi']:+.4f})")
        assert row["diff_hi"] < 0, ind


JUNIOR_CONFLICT = (
    "conflicts with the evidence the aid effect is anchored on: Mo et al. 2013's transfer cut poor pupils' "
    "dropout by 1.01 log-odds (13.3% → 5.3%, below the county's 7.0–7.8% overall), more than the poor pupils' "
    "excess risk in the baseline (dropout.hazard.group_log_odds.poor = 0.65), so fully aided registered-poor "
    "junior pupils drop out less than non-poor ones at any dose ≥ the trial's. Resolving it needs a decision "
    "on group_log_odds.poor (derived against the overall rate, not the non-poor rate) or on the compulsory-stage "
    "aid dose (2,033 yuan is an all-stage average), not on the aid response")


@pytest.mark.parametrize("stage", [
    "primary",
    pytest.param("junior", marks=pytest.mark.xfail(strict=True, reason=JUNIOR_CONFLICT)),
])
def test_baseline_poor_pupils_do_not_drop_out_less_than_non_poor_pupils(stage):
    """Same location and stage, every year of the baseline: aid narrows the poor pupils' excess dropout, it
    does not reverse it (the old unbounded response made poor pupils drop out less)."""
    groups = sim.run(sim.load_district(), "baseline", years=7).groups
    t = groups[groups.stage == stage].groupby(["year", "location", "poor"])[["dropouts", "enrolled"]].sum()
    rate = (t.dropouts / t.enrolled).unstack("poor")
    print(f"\nbaseline {stage} dropout, poor − non-poor (pp):\n{(100 * (rate[True] - rate[False])).unstack().round(2)}")
    assert (rate[True] >= rate[False]).all().all()
