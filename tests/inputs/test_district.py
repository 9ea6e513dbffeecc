"""The district: default data, the synthesiser, and validation of bad input."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulate.inputs.district import (
    ENROLMENT_COLUMNS, GRADES, GROUP_FLAGS, LEVELS, LOCATIONS, N_GROUPS, SCHOOL_COLUMNS, District,
    DistrictError, group_flags,
)
from simulate.inputs.load import district_from_frames, load_district
from simulate.inputs.synthesize import REAL_SCHOOLS, synthesize
from simulate.provenance import OutputError

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data" / "banan"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "district"
FILES = ("schools.csv", "enrolment.csv")


@pytest.fixture(scope="module")
def banan() -> District:
    return load_district()


def flag_total(d: District, flag: str) -> float:
    return d.enrolled[:, :, group_flags()[:, GROUP_FLAGS.index(flag)]].sum()


# ----------------------------------------------------------------------------- constants
def test_group_index_is_the_bit_pattern_of_the_flags():
    flags = group_flags()
    assert flags.shape == (N_GROUPS, len(GROUP_FLAGS)) and flags.dtype == bool
    for k in range(N_GROUPS):
        assert k == sum(int(flags[k, j]) << j for j in range(4))
    assert flags[1].tolist() == [True, False, False, False]      # poor
    assert flags[10].tolist() == [False, True, False, True]      # left-behind + migrant
    assert GRADES == 9 and LEVELS[:3] == ("primary", "junior", "nine_year")
    assert LEVELS[3:] == tuple(f"teaching_point_{k}" for k in (2, 3, 4, 5))  # 教学点, grades 1–k
    assert LOCATIONS == ("urban", "town", "rural", "mountain")


# ----------------------------------------------------------------------------- the default district
def test_default_district_matches_the_banan_report(banan):
    assert banan.name == "banan"
    assert banan.n_schools == 123
    assert (banan.schools["location"] == "mountain").sum() == 82
    assert flag_total(banan, "poor") == 4171          # 0.6 x 6,952 registered-poor student-times
    assert flag_total(banan, "left_behind") == 2251   # 2,251 pairs
    assert banan.enrolled.sum() == 95_000
    assert banan.out_of_school.sum() == 0             # "not one child less"
    assert flag_total(banan, "disabled") == round(0.006 * 95_000)
    names = set(banan.schools["name"])
    assert {name for name, _, _ in REAL_SCHOOLS} <= names
    town = banan.schools.set_index("name")["town"]
    assert town["花石小学"] == "石龙镇" and town["麻柳中学"] == "麻柳嘴镇" and town["姜家小学"] == "姜家镇"


def test_schools_table_has_the_documented_columns_and_dtypes(banan):
    s = banan.schools
    assert list(s.columns) == list(SCHOOL_COLUMNS)
    assert isinstance(s.index, pd.RangeIndex) and s.index[0] == 0
    for col, (kind, _) in SCHOOL_COLUMNS.items():
        if kind == "int":
            assert s[col].dtype == np.int64, col
        elif kind == "float":
            assert s[col].dtype == np.float64, col
        else:
            assert pd.api.types.is_string_dtype(s[col]) or s[col].dtype == object, col
    assert s["school_id"].is_unique
    assert list(s["school_id"][:3]) == ["BN001", "BN002", "BN003"]
    assert ((s["boarding"] == 1) | (s["boarding_share"] == 0)).all()
    assert (s["senior_teachers"] <= s["teachers"]).all()
    assert s["facility_index"].between(0, 1).all()


def test_arrays_are_shaped_and_zero_where_a_grade_is_not_taught(banan):
    S = banan.n_schools
    for arr in (banan.enrolled, banan.out_of_school):
        assert arr.shape == (S, GRADES, N_GROUPS) and arr.dtype == np.float64
        assert not arr.flags.writeable
        assert (arr[~banan.offers_grade] == 0).all()
    assert (banan.enrolled.sum(axis=2)[banan.offers_grade] > 0).all()  # every taught grade has pupils
    for prop in ("teachers", "senior_teachers", "teacher_quality", "facility_index", "boarding_share"):
        v = getattr(banan, prop)
        assert v.shape == (S,) and v.dtype == np.float64
        np.testing.assert_array_equal(v, banan.schools[prop].to_numpy(dtype=float))


def test_offers_grade_and_codes_follow_level_and_location(banan):
    level = banan.schools["level"].to_numpy()
    assert [LEVELS[c] for c in banan.level_code] == list(level)
    assert [LOCATIONS[c] for c in banan.location_code] == list(banan.schools["location"])
    offers = banan.offers_grade
    assert offers.shape == (banan.n_schools, GRADES)
    assert (offers[level == "primary"] == [True] * 6 + [False] * 3).all()
    assert (offers[level == "junior"] == [False] * 6 + [True] * 3).all()
    assert offers[level == "nine_year"].all()


def test_every_primary_has_a_feeder_in_its_town(banan):
    s = banan.schools
    fi = banan.feeder_index
    primary = (s["level"] == "primary").to_numpy()
    assert (fi[~primary] == -1).all() and (fi[primary] >= 0).all()
    assert (s["level"].to_numpy()[fi[primary]] != "primary").all()
    assert (s["school_id"].to_numpy()[fi[primary]] == s["feeder_school_id"].to_numpy()[primary]).all()
    assert (s["town"].to_numpy()[fi[primary]] == s["town"].to_numpy()[primary]).all()
    juniors = np.flatnonzero((s["level"] == "junior").to_numpy())
    assert set(juniors) <= set(fi[primary])  # every junior school receives grade-6 completers


def test_groups_are_realistic(banan):
    e, loc = banan.enrolled, banan.schools["location"].to_numpy()
    flags = group_flags()
    k_lb_mig = flags[:, 1] & flags[:, 3]
    assert e[:, :, k_lb_mig].sum() == 0  # migrant children live with their parents

    def share(flag, where):
        return flag_total_at(flag, where) / e[where].sum()

    def flag_total_at(flag, where):
        return e[where][:, :, flags[:, GROUP_FLAGS.index(flag)]].sum()

    urban, mountain, rural = loc == "urban", loc == "mountain", loc == "rural"
    assert share("poor", mountain) > 5 * share("poor", urban)
    assert share("poor", rural) > 5 * share("poor", urban)
    assert share("left_behind", mountain) > 10 * share("left_behind", urban)
    assert 0.10 < share("migrant", urban) < 0.14
    assert 0.02 < share("migrant", ~urban) < 0.04
    poor = flags[:, 0]
    lb_if_poor = e[:, :, poor & flags[:, 1]].sum() / e[:, :, poor].sum()
    lb_if_not = e[:, :, ~poor & flags[:, 1]].sum() / e[:, :, ~poor].sum()
    assert lb_if_poor > 2 * lb_if_not  # poverty and left-behind status go together


def test_sizes_and_staffing_are_plausible(banan):
    s = banan.schools
    pupils = banan.enrolled.sum(axis=(1, 2))
    by = pd.DataFrame({"loc": s["location"], "pupils": pupils, "teachers": s["teachers"],
                       "quality": s["teacher_quality"], "facility": s["facility_index"]}).groupby("loc").agg(
        pupils=("pupils", "sum"), teachers=("teachers", "sum"), median=("pupils", "median"),
        quality=("quality", "mean"), facility=("facility", "mean"))
    ptr = by.pupils / by.teachers
    assert 15 < by.pupils.sum() / by.teachers.sum() < 18  # cf. Dazu 2019: 14.8 (data/README.md)
    # staffed by the 2014 norm (1:19 primary, 1:13.5 junior), small village primaries by classes
    school_ptr = pd.Series(pupils / s["teachers"].to_numpy(), index=s.index)
    urban_primary = (s["location"] == "urban") & (s["level"] == "primary")
    mountain_primary = (s["location"] == "mountain") & (s["level"] == "primary")
    assert 18.5 < school_ptr[urban_primary].median() < 19.5
    assert 13 < school_ptr[s["level"] == "junior"].median() < 14.5
    assert school_ptr[mountain_primary].min() < 15 < school_ptr[mountain_primary].median()
    assert ptr["mountain"] < ptr["rural"]  # mountain schools are smaller, so the class rule binds there
    assert by.loc["urban", "median"] > 1500 and by.loc["mountain", "median"] < 600
    assert by.quality["urban"] > by.quality["town"] > by.quality["mountain"]
    assert by.facility["urban"] > 0.85 and by.facility["mountain"] < 0.55
    secondary_outside_town = ((s["level"] != "primary") & (s["location"] != "urban")).to_numpy()
    assert s["boarding"].to_numpy()[secondary_outside_town].mean() > 0.5
    assert (s["boarding"][s["location"] == "urban"] == 0).all()


def test_data_hash_is_the_sha256_of_the_two_files(banan):
    h = hashlib.sha256()
    for f in FILES:
        h.update((DATA / f).read_bytes())
    assert banan.data_hash == h.hexdigest()
    assert Path(banan.source) == DATA


def test_load_by_name_and_from_the_environment(tmp_path, monkeypatch):
    assert load_district("banan").data_hash == load_district().data_hash
    synthesize(5, seed=1).to_dir(tmp_path / "banan")
    monkeypatch.setenv("SIMULATE_DATA_DIR", str(tmp_path))
    d = load_district()
    assert d.n_schools == 5 and Path(d.source) == tmp_path / "banan"


# ----------------------------------------------------------------------------- the synthesiser
def test_synthesize_reproduces_the_committed_files_byte_for_byte(tmp_path, banan):
    d = synthesize()
    d.to_dir(tmp_path)
    for f in FILES:
        assert (tmp_path / f).read_bytes() == (DATA / f).read_bytes(), f
    assert d.data_hash == banan.data_hash
    assert d.source == "synthetic(seed=2019, schools=123)"
    pd.testing.assert_frame_equal(d.schools, banan.schools, check_dtype=False)
    np.testing.assert_array_equal(d.enrolled, banan.enrolled)


def test_a_different_seed_gives_a_different_district(banan):
    other = synthesize(seed=7)
    assert other.data_hash != banan.data_hash
    assert not np.array_equal(other.enrolled, banan.enrolled)
    # the calibrated totals do not depend on the seed
    assert other.n_schools == 123 and (other.schools["location"] == "mountain").sum() == 82
    assert flag_total(other, "poor") == 4171 and flag_total(other, "left_behind") == 2251


@pytest.mark.parametrize("n", [1, 2, 3, 5, 17, 60, 124, 400])
def test_every_size_round_trips_through_the_files(tmp_path, n):
    d = synthesize(n, seed=n)
    d.to_dir(tmp_path)
    back = load_district(tmp_path)
    assert back.data_hash == d.data_hash
    np.testing.assert_array_equal(back.enrolled, d.enrolled)
    pd.testing.assert_frame_equal(back.schools, d.schools, check_dtype=False)
    assert d.n_schools == n


def test_a_province_sized_district_is_valid_and_fast():
    start = time.perf_counter()
    d = synthesize(n_schools=5000, seed=3)
    elapsed = time.perf_counter() - start
    assert elapsed < 30, elapsed  # about 1 s on an idle 2-core machine
    s = d.schools
    assert d.n_schools == 5000 and s["school_id"].is_unique
    assert abs((s["location"] == "mountain").mean() - 2 / 3) < 0.001
    pupils = d.enrolled.sum()
    assert pupils == round(5000 * 95_000 / 123)
    assert flag_total(d, "poor") == round(pupils * 4171 / 95_000)
    assert flag_total(d, "left_behind") == round(pupils * 2251 / 95_000)
    primary = d.level_code == 0
    assert (d.feeder_index[primary] >= 0).all()
    assert (d.enrolled[~d.offers_grade] == 0).all()
    assert s["name"].str.startswith("Town ").all()


def test_synthesize_rejects_a_bad_size():
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError):
            synthesize(bad)


# ----------------------------------------------------------------------------- writing
def test_to_dir_replaces_its_own_folder_only_with_force_keeping_other_files(tmp_path):
    folder = tmp_path / "d"
    synthesize(4, seed=2).to_dir(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["enrolment.csv", "manifest.json", "schools.csv"]
    assert json.loads((folder / "manifest.json").read_text())["output_kind"] == "district"
    (folder / "targets.yaml").write_text("keep me\n")
    first = (folder / "schools.csv").read_bytes()
    with pytest.raises(OutputError, match="pass --force"):  # a district is an input of everything else
        synthesize(4, seed=3).to_dir(folder)
    assert (folder / "schools.csv").read_bytes() == first
    synthesize(4, seed=3).to_dir(folder, force=True)
    assert (folder / "schools.csv").read_bytes() != first and (folder / "targets.yaml").read_text() == "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]  # no temporary folder, no lock file


def test_to_dir_refuses_a_district_folder_it_did_not_write(tmp_path):
    folder = tmp_path / "bureau"
    folder.mkdir()
    for f in FILES:
        (folder / f).write_bytes((DATA / f).read_bytes())
    before = {f: (folder / f).read_bytes() for f in FILES}
    with pytest.raises(OutputError, match="simulate did not write"):
        synthesize(4, seed=2).to_dir(folder, force=True)
    assert {f: (folder / f).read_bytes() for f in FILES} == before


def test_enrolment_file_holds_only_non_empty_cells_in_canonical_order(banan):
    e = pd.read_csv(DATA / "enrolment.csv")
    assert list(e.columns) == list(ENROLMENT_COLUMNS)
    assert ((e["enrolled"] + e["out_of_school"]) > 0).all()
    row = pd.Index(banan.schools["school_id"]).get_indexer(e["school_id"])
    group = sum(e[f] * (1 << j) for j, f in enumerate(GROUP_FLAGS))
    key = (row * GRADES + e["grade"] - 1) * N_GROUPS + group
    assert (np.diff(key) > 0).all()
    pd.testing.assert_frame_equal(banan.enrolment_frame(), e, check_dtype=False)


# ----------------------------------------------------------------------------- invalid input
def test_the_valid_fixture_loads():
    d = load_district(FIXTURES / "valid")
    assert d.n_schools == 3 and d.feeder_index.tolist() == [1, -1, -1]
    assert d.enrolled.sum() == 1087 and d.out_of_school.sum() == 1


CASES = {
    "missing_column": ("schools.csv", ["schools.csv: missing column 'teachers'"]),
    "unknown_column": ("schools.csv", ["unknown column 'teacher'", "did you mean 'teachers'?"]),
    "negative_enrolment": ("enrolment.csv", ["enrolment.csv row 11, column 'enrolled'",
                                             "expected an integer ≥ 0, got -3"]),
    "non_integer_count": ("enrolment.csv", ["enrolment.csv row 17, column 'enrolled'",
                                            "expected an integer ≥ 0, got 2.5"]),
    "duplicate_school_id": ("schools.csv", ["schools.csv rows 3 and 5, column 'school_id'",
                                            "duplicate school id 'T02'"]),
    "unknown_location": ("schools.csv", ["schools.csv row 2, column 'location'",
                                         "'mountains' is not one of urban, town, rural, mountain"]),
    "grade_not_offered": ("enrolment.csv", ["enrolment.csv row 11, column 'grade'",
                                            "'T02' is a junior school", "schools.csv row 3, column 'level'",
                                            "does not offer grade 3"]),
    "unknown_feeder": ("schools.csv", ["schools.csv row 2, column 'feeder_school_id'",
                                       "'T09' is not a school"]),
    "facility_out_of_range": ("schools.csv", ["schools.csv row 4, column 'facility_index'",
                                              "expected a number from 0 to 1, got 1.2"]),
    "unknown_school_in_enrolment": ("enrolment.csv", ["enrolment.csv row 23, column 'school_id'",
                                                      "unknown school 'T07'"]),
    "missing_file": ("enrolment.csv", ["enrolment.csv: file not found"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_invalid_fixture_is_rejected_with_file_row_and_column(case):
    file, parts = CASES[case]
    folder = FIXTURES / case
    with pytest.raises(DistrictError) as info:
        load_district(folder)
    err = info.value
    assert isinstance(err, ValueError)
    assert err.summary.startswith(f"{folder / file}: ")
    text = str(err)
    for part in parts:
        assert part in text, (part, text)
    assert all(p.startswith(str(folder / file)) for p in err.problems)


def test_several_problems_in_both_files_are_reported_together():
    folder = FIXTURES / "several_problems"
    with pytest.raises(DistrictError) as info:
        load_district(folder)
    err = info.value
    assert err.summary == f"{folder}: 5 problems (3 in schools.csv, 2 in enrolment.csv)"
    assert str(err).splitlines()[0] == err.summary
    s, e = folder / "schools.csv", folder / "enrolment.csv"
    assert err.problems == [
        f"{s} row 2, column 'location': 'mountains' is not one of urban, town, rural, mountain "
        "(did you mean 'mountain'?)",
        f"{s} row 3, column 'teachers': expected an integer ≥ 1, got 'abc'",
        f"{s} row 4, column 'facility_index': expected a number from 0 to 1, got 1.2",
        f"{e} row 6, column 'enrolled': expected an integer ≥ 0, got -1",
        f"{e} row 10, column 'poor': expected 0 or 1, got 2",
    ]


def test_a_missing_folder_and_an_empty_file(tmp_path):
    with pytest.raises(DistrictError, match="district folder not found"):
        load_district(tmp_path / "nowhere")
    (tmp_path / "schools.csv").write_text("")
    (tmp_path / "enrolment.csv").write_text(",".join(ENROLMENT_COLUMNS) + "\n")
    with pytest.raises(DistrictError, match=r"schools.csv: file is empty"):
        load_district(tmp_path)


def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The valid fixture as raw text frames, for in-memory variations."""
    read = lambda f: pd.read_csv(FIXTURES / "valid" / f, dtype=str, keep_default_na=False)  # noqa: E731
    return read("schools.csv"), read("enrolment.csv")


def reject(schools: pd.DataFrame, enrolment: pd.DataFrame) -> DistrictError:
    with pytest.raises(DistrictError) as info:
        district_from_frames("test", schools, enrolment, source="test")
    return info.value


def test_from_frames_accepts_text_or_numbers_and_hashes_the_canonical_files(tmp_path):
    s, e = frames()
    a = district_from_frames("t", s, e)
    b = district_from_frames("t", s.astype({"teachers": int, "facility_index": float}),
                             e.astype({c: int for c in list(ENROLMENT_COLUMNS)[1:]}))
    assert a.data_hash == b.data_hash
    a.to_dir(tmp_path)
    assert load_district(tmp_path).data_hash == a.data_hash


@pytest.mark.parametrize("change, parts", [
    (("schools", 0, "senior_teachers", "13"), ["schools.csv row 2, column 'senior_teachers'",
                                               "13 is more than teachers (12)"]),
    (("schools", 0, "boarding_share", "0.2"), ["schools.csv row 2, column 'boarding_share'",
                                               "must be 0 when boarding is 0"]),
    (("schools", 0, "feeder_school_id", "T01"), ["schools.csv row 2, column 'feeder_school_id'",
                                                 "'T01' is a primary school"]),
    (("schools", 0, "feeder_school_id", ""), ["schools.csv row 2, column 'feeder_school_id'",
                                              "primary school 'T01' has no feeder"]),
    (("schools", 1, "feeder_school_id", "T03"), ["schools.csv row 3, column 'feeder_school_id'",
                                                 "must be empty for a junior school"]),
    (("schools", 2, "level", "middle"), ["schools.csv row 4, column 'level'",
                                         "'middle' is not one of primary, junior, nine_year"]),
    (("schools", 2, "school_id", "T 3"), ["schools.csv row 4, column 'school_id'", "expected a school id"]),
    (("schools", 2, "teacher_quality", "nan"), ["schools.csv row 4, column 'teacher_quality'",
                                                "expected a number from -5 to 5"]),
    (("enrolment", 3, "migrant", "yes"), ["enrolment.csv row 5, column 'migrant'",
                                          "expected 0 or 1, got 'yes'"]),
    (("enrolment", 3, "grade", "10"), ["enrolment.csv row 5, column 'grade'",
                                       "expected an integer from 1 to 9, got 10"]),
    (("enrolment", 3, "out_of_school", ""), ["enrolment.csv row 5, column 'out_of_school'",
                                             "got an empty cell"]),
    (("enrolment", 3, "grade", "2"), ["enrolment.csv rows 4 and 5: duplicate row for school 'T01', grade 2"]),
])
def test_other_rules_name_the_row_and_column(change, parts):
    s, e = frames()
    table, row, col, value = change
    (s if table == "schools" else e).loc[row, col] = value
    text = str(reject(s, e))
    for part in parts:
        assert part in text, (part, text)


def test_many_bad_rows_are_counted_but_listed_briefly():
    s, e = frames()
    e = pd.concat([e] * 3, ignore_index=True)
    e["enrolled"] = "-1"
    err = reject(s, e)
    assert err.summary.startswith("enrolment.csv: ")
    assert err.summary == "enrolment.csv: 66 problems"
    assert len(err.problems) == 21 and err.problems[-1].endswith("... and 46 more rows with the same problem")


def test_a_district_built_directly_checks_its_arrays():
    d = synthesize(3, seed=0)
    with pytest.raises(DistrictError, match="shape"):
        District("x", d.schools, d.enrolled[:, :8], d.out_of_school, "x", "")
    mine = np.array(d.enrolled)
    copy = District("x", d.schools, mine, d.out_of_school, "x", "")
    mine[0, 0, 0] += 1
    assert copy.enrolled[0, 0, 0] == d.enrolled[0, 0, 0]  # the district keeps its own read-only copy
