"""Synthetic districts calibrated to Banan district, Chongqing, 2019.

``synthesize()`` (123 schools, seed 2019) generates the committed default
district ``data/banan``; ``simulate synthesize --schools N --seed S --out DIR``
calls it for any size (a province: 5,000 schools; a nation: 200,000). Every
figure below is explained, with its source, in ``data/README.md``. The data are
SYNTHETIC: real place and school names, invented schools and pupils.

How a district is built (vectorised; one random generator passed around):

1. schools per location in the proportions 22 urban : 9 town : 10 rural : 82
   mountain (two-thirds mountain: "nearly two-thirds of 120+ schools are in
   mountain areas", Banan district education commission report, 2020);
2. towns: urban subdistricts (~3.7 schools), plain towns of town + rural schools
   (~3.8) and mountain towns (~6.8), with real Banan names when they fit;
3. levels: every town has a junior or nine-year school, never more secondary
   schools than primaries (so every junior school has a feeder); primaries feed
   their town's secondary schools round-robin, juniors first;
4. pupils: a cohort size per school by location, junior cohorts = the grade-6
   cohorts of their feeders, flat grades with a mild decline in mountain areas,
   scaled to 95,000 pupils per 123 schools;
5. groups: registered-poor, left-behind, migrant and disabled pupils allocated
   cell by cell with exact totals (4,171 poor, 2,251 left-behind, 0.6% disabled
   per 95,000 pupils) by randomised largest-remainder rounding;
6. teachers at the stock that the baseline's hiring settles at under the
   staffing norm (the rule is :mod:`simulate.inputs.staffing`, shared with the
   engine; its parameters are read from ``params/baseline.yaml``), senior
   teachers, teacher quality, facilities and boarding by location and level.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import staffing
from .district import GRADES, GROUP_FLAGS, LEVELS, LOCATIONS, District
from .load import district_from_frames
from .scenario import load_scenario

__all__ = ["synthesize", "DEFAULT_SCHOOLS", "DEFAULT_SEED"]

DEFAULT_SCHOOLS = 123
DEFAULT_SEED = 2019

# --- calibration targets (for 123 schools; scaled with pupils for other sizes) ---------
PUPILS_PER_123 = 95_000  # assumption (brief: 95,000-100,000 compulsory pupils; report gives none)
POOR_PUPILS = 4_171      # 0.6 x 6,952 registered-poor aid student-times (report): 9 of 15 aided years
LEFT_BEHIND_PUPILS = 2_251  # 2,251 left-behind children paired with a staff member (report)
DISABLED_SHARE = 0.006   # assumption: ~0.6% of pupils (disabled children, all enrolled per the report)

LOCATION_SCHOOLS = np.array([22, 9, 10, 82])  # urban, town, rural, mountain per 123 schools
URBAN, TOWN, RURAL, MOUNTAIN = range(4)
# town kinds: 0 urban subdistrict, 1 plain town (town + rural schools), 2 mountain town
TOWN_SIZE = np.array([22 / 6, 19 / 5, 82 / 12])
TOWN_MIN_SIZE = np.array([2, 2, 3])
SECONDARY_SHARE = np.array([10 / 22, 7 / 19, 21 / 82])  # junior + nine-year, of a kind's schools
NINE_YEAR_SHARE = np.array([2 / 10, 2 / 7, 12 / 21])   # nine-year, of a kind's secondary schools

# per location (urban, town, rural, mountain)
COHORT = np.array([385.0, 250.0, 100.0, 38.0])         # pupils per grade, village schools
COHORT_CENTRAL = np.array([385.0, 250.0, 160.0, 80.0])  # a town's first primary
COHORT_SD = np.array([0.18, 0.25, 0.4, 0.5])
COHORT_MAX = np.array([520.0, 330.0, 180.0, 95.0])     # mountain primaries stay under ~600 pupils
NINE_YEAR_PRIMARY = 0.6                                # a nine-year school's primary part, relative
GRADE_DECLINE = np.array([0.0, 0.004, 0.01, 0.02])     # cohort shrinks by this per grade
SENIOR_SHARE = np.array([0.40, 0.33, 0.28, 0.25])
QUALITY_MEAN = np.array([0.3, 0.0, -0.2, -0.4])
QUALITY_SD = 0.2
FACILITY_MEAN = np.array([0.9, 0.75, 0.6, 0.45])
FACILITY_CONCENTRATION = np.array([40.0, 20.0, 12.0, 10.0])
POOR_RATE = np.array([0.01, 0.04, 0.08, 0.10])          # relative; scaled to the exact total
LEFT_BEHIND_RATE = np.array([0.003, 0.02, 0.045, 0.055])  # relative; scaled to the exact total
LEFT_BEHIND_IF_POOR = 2.5                              # odds-like multiplier for poor pupils
MIGRANT_RATE = np.array([0.12, 0.03, 0.03, 0.03])
MIGRANT_IF_POOR = 0.3
DISABLED_IF_POOR = 2.0

URBAN_TOWNS = [("鱼洞街道", "Yudong Subdistrict"), ("李家沱街道", "Lijiatuo Subdistrict"),
               ("龙洲湾街道", "Longzhouwan Subdistrict"), ("莲花街道", "Lianhua Subdistrict"),
               ("花溪街道", "Huaxi Subdistrict"), ("南泉街道", "Nanquan Subdistrict")]
PLAIN_TOWNS = [("界石镇", "Jieshi Town"), ("一品街道", "Yipin Subdistrict"),
               ("南彭街道", "Nanpeng Subdistrict"), ("惠民街道", "Huimin Subdistrict"),
               ("木洞镇", "Mudong Town")]
MOUNTAIN_TOWNS = [("石龙镇", "Shilong Town"), ("麻柳嘴镇", "Maliuzui Town"), ("接龙镇", "Jielong Town"),
                  ("姜家镇", "Jiangjia Town"), ("石滩镇", "Shitan Town"), ("安澜镇", "Anlan Town"),
                  ("丰盛镇", "Fengsheng Town"), ("二圣镇", "Ersheng Town"),
                  ("东温泉镇", "Dongwenquan Town"), ("圣灯山镇", "Shengdengshan Town"),
                  ("双河口镇", "Shuanghekou Town"), ("天星寺镇", "Tianxingsi Town")]
# Schools named in the report: (name, name_en, [(town, "primary"|"secondary", rank in town), ...]);
# the first candidate that exists is used. Town placement is the brief's or illustrative.
REAL_SCHOOLS = [
    ("花石小学", "Huashi Primary School", [("石龙镇", "primary", 1)]),
    ("南龙小学", "Nanlong Primary School", [("石龙镇", "primary", 2), ("接龙镇", "primary", 2)]),
    ("石岗小学", "Shigang Primary School", [("接龙镇", "primary", 1), ("丰盛镇", "primary", 1)]),
    ("安澜小学", "Anlan Primary School", [("安澜镇", "primary", 0)]),
    ("姜家小学", "Jiangjia Primary School", [("姜家镇", "primary", 0)]),
    ("石滩小学", "Shitan Primary School", [("石滩镇", "primary", 0)]),
    ("麻柳中学", "Maliu Middle School", [("麻柳嘴镇", "secondary", 0)]),
    ("慕禹中学", "Muyu Middle School", [("麻柳嘴镇", "secondary", 1), ("石龙镇", "secondary", 0)]),
]
VILLAGES = (  # plausible village names (some real Banan villages) for village schools
    "平桥 Pingqiao|大连 Dalian|大兴 Daxing|金星 Jinxing|白马 Baima|合路 Helu|柏树 Baishu|大园 Dayuan|"
    "大桥 Daqiao|中伦 Zhonglun|新华 Xinhua|红星 Hongxing|白鹤 Baihe|青龙 Qinglong|桂花 Guihua|"
    "黄桷 Huangjue|长田 Changtian|高峰 Gaofeng|柏林 Bailin|龙凤 Longfeng|金竹 Jinzhu|梨园 Liyuan|"
    "大石 Dashi|双龙 Shuanglong|清泉 Qingquan|凉水 Liangshui|马鞍 Ma'an|石门 Shimen|松林 Songlin|"
    "水口 Shuikou|竹林 Zhulin|河坝 Heba|龙井 Longjing|银河 Yinhe|五星 Wuxing|和平 Heping|燕云 Yanyun|"
    "天池 Tianchi|玉屏 Yuping|明月 Mingyue|仁义 Renyi|太平 Taiping|永安 Yong'an|长岭 Changling|"
    "鹿角 Lujiao|狮子 Shizi|凤凰 Fenghuang|杨柳 Yangliu|团结 Tuanjie|铜锣 Tongluo|大河 Dahe|"
    "杉木 Shanmu|观音 Guanyin|石林 Shilin|新店 Xindian|沙坪 Shaping|茶园 Chayuan|桃花 Taohua|"
    "杏花 Xinghua|荷花 Hehua|梅子 Meizi|柑子 Ganzi|丰收 Fengshou|胜利 Shengli|光明 Guangming|"
    "红岩 Hongyan|青山 Qingshan|碧水 Bishui|云峰 Yunfeng|龙岗 Longgang|虎溪 Huxi|峰岩 Fengyan|"
    "周家 Zhoujia|陈家 Chenjia|何家 Hejia|刘家 Liujia|黄家 Huangjia|杨家 Yangjia|唐家 Tangjia|"
    "罗家 Luojia|曾家 Zengjia|冉家 Ranjia|邓家 Dengjia|彭家 Pengjia|田坝 Tianba|垭口 Yakou|"
    "岩口 Yankou|坪上 Pingshang|新民 Xinmin|新建 Xinjian|建设 Jianshe|东风 Dongfeng|向阳 Xiangyang|"
    "红光 Hongguang|共和 Gonghe|太和 Taihe|双星 Shuangxing|龙滩 Longtan|清溪 Qingxi|白果 Baiguo|"
    "皂角 Zaojiao|楠木 Nanmu|青杠 Qinggang|桐子 Tongzi|水井 Shuijing|堰塘 Yantang"
).split("|")
_NUMERALS = "零一二三四五六七八九十"


def synthesize(n_schools: int = DEFAULT_SCHOOLS, seed: int = DEFAULT_SEED, name: str = "banan") -> District:
    """A synthetic district of ``n_schools`` schools, deterministic in ``seed``.

    The default (123 schools, seed 2019) is the committed ``data/banan``. The
    result passes the same validation as a loaded district
    (:func:`~simulate.inputs.load.district_from_frames`). Vectorised: 200,000 schools take seconds.
    """
    if isinstance(n_schools, bool) or not isinstance(n_schools, (int, np.integer)) or n_schools < 1:
        raise ValueError(f"n_schools must be an integer ≥ 1, got {n_schools!r}")
    n = int(n_schools)
    rng = np.random.default_rng(seed)
    s = _layout(n, rng)
    pupils = _pupils(s, rng)
    enrolled = _groups(s, pupils, rng)
    schools = _schools_table(s, pupils, name, rng)
    sidx, g, k = np.nonzero(enrolled)
    flags = (k[:, None] >> np.arange(len(GROUP_FLAGS))) & 1
    enrolment = pd.DataFrame({
        "school_id": pd.Categorical.from_codes(sidx, categories=schools["school_id"]),
        "grade": g + 1,
        **{f: flags[:, j] for j, f in enumerate(GROUP_FLAGS)},
        "enrolled": enrolled[sidx, g, k],
        "out_of_school": np.zeros(len(sidx), np.int64),  # report: 100% enrolment, "not one child less"
    })
    return district_from_frames(name, schools, enrolment, source=f"synthetic(seed={seed}, schools={n})")


# ----------------------------------------------------------------------------- helpers
def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to weights summing exactly to total (ties to the earlier entry)."""
    q = weights / weights.sum() * total
    out = np.floor(q).astype(np.int64)
    order = np.argsort(-(q - out), kind="stable")
    out[order[: total - out.sum()]] += 1
    return out


def _allocate(expected: np.ndarray, cap: np.ndarray, total: int, rng: np.random.Generator) -> np.ndarray:
    """Randomised largest-remainder rounding: integers 0 <= x <= cap, sum exactly ``total``, E[x] ~ expected.

    Expected values are scaled to the total (respecting caps), floored, and the
    remaining units go to cells drawn with probability proportional to their
    remainders (Efraimidis-Spirakis keys), so small cells still receive pupils.
    """
    cap = cap.astype(np.float64)
    total = int(min(total, cap.sum()))
    e = np.minimum(expected * (total / expected.sum() if expected.sum() > 0 else 0.0), cap)
    for _ in range(50):
        free = e < cap
        gap = total - e.sum()
        if abs(gap) < 1e-6 or not free.any():
            break
        e[free] *= 1 + gap / e[free].sum()
        e = np.minimum(e, cap)
    base = np.minimum(np.floor(e + 1e-9), cap).astype(np.int64)
    short = total - int(base.sum())
    rem = np.clip(e - base, 0, None)
    with np.errstate(divide="ignore"):
        key = np.where(rem > 0, np.log(rng.random(rem.shape)) / np.where(rem > 0, rem, 1), -np.inf)
    key = np.where((rem <= 0) & (base < cap), -1e300, key)
    flat_key, flat = key.ravel(), base.reshape(-1)
    if short > 0:
        flat[np.argpartition(-flat_key, short - 1)[:short]] += 1
    elif short < 0:  # floating-point excess (never seen): remove from the fullest cells
        flat[np.argsort(-(flat - e.ravel()))[:-short]] -= 1
    return base


def _spread(rng: np.random.Generator, room: np.ndarray, extra: int) -> np.ndarray:
    """Distribute ``extra`` units over entities with ``room`` free slots each, uniformly over slots."""
    extra = int(min(max(extra, 0), room.sum()))
    slots = np.repeat(np.arange(len(room)), room)
    chosen = rng.choice(len(slots), size=extra, replace=False) if extra else np.array([], np.int64)
    return np.bincount(slots[chosen], minlength=len(room)).astype(np.int64)


# ----------------------------------------------------------------------------- layout
def _layout(n: int, rng: np.random.Generator) -> dict:
    """Towns, locations, levels and feeders. Schools are ordered by town, seat school first."""
    n_loc = _largest_remainder(LOCATION_SCHOOLS.astype(float), n)
    n_kind = np.array([n_loc[URBAN], n_loc[TOWN] + n_loc[RURAL], n_loc[MOUNTAIN]])
    n_towns = np.where(n_kind > 0, np.maximum(1, np.round(n_kind / TOWN_SIZE)), 0).astype(np.int64)
    sizes = []
    for kind in range(3):
        if n_towns[kind] == 0:
            continue
        low = int(min(TOWN_MIN_SIZE[kind], n_kind[kind] // n_towns[kind]))
        rest = n_kind[kind] - low * n_towns[kind]
        sizes.append(low + rng.multinomial(rest, np.full(n_towns[kind], 1 / n_towns[kind])))
    town_size = np.concatenate(sizes).astype(np.int64)
    town_kind = np.repeat(np.arange(3), n_towns)
    n_t = len(town_size)
    town_start = np.concatenate([[0], np.cumsum(town_size)[:-1]])
    town = np.repeat(np.arange(n_t), town_size)
    pos = np.arange(n) - town_start[town]
    kind = town_kind[town]

    # locations: plain towns put their town-location schools first (the town seat), then rural
    location = np.array([URBAN, RURAL, MOUNTAIN])[kind]
    plain = np.flatnonzero(town_kind == 1)
    if len(plain):
        n_seat = np.zeros(len(plain), np.int64)  # town-location schools per plain town
        n_seat[rng.permutation(len(plain))[: n_loc[TOWN]]] = 1
        n_seat += _spread(rng, town_size[plain] - n_seat, n_loc[TOWN] - n_seat.sum())
        town_n_town = np.zeros(n_t, np.int64)
        town_n_town[plain] = n_seat
        location[(kind == 1) & (pos < town_n_town[town])] = TOWN

    # levels: each town gets one secondary school (the seat), more in proportion to its size,
    # never more than half its schools (so each junior school has a primary to feed it)
    cap = np.where(town_size == 1, 1, town_size // 2)
    q = SECONDARY_SHARE[town_kind] * town_size
    n_sec = np.clip(np.floor(q), 1, cap).astype(np.int64)
    for k in range(3):
        t = np.flatnonzero(town_kind == k)
        if len(t):
            target = int(np.clip(round(SECONDARY_SHARE[k] * n_kind[k]), len(t), cap[t].sum()))
            short = target - n_sec[t].sum()
            room = t[n_sec[t] < cap[t]]
            order = room[np.lexsort((rng.random(len(room)), -(q[room] - n_sec[room])))]
            if short > 0:
                n_sec[order[:short]] += 1
            elif short < 0:
                over = t[n_sec[t] > 1]
                n_sec[over[np.lexsort((rng.random(len(over)), q[over] - n_sec[over]))][:-short]] -= 1
    secondary = pos < n_sec[town]
    level = np.zeros(n, np.int64)  # primary
    level[secondary] = LEVELS.index("junior")
    for k in range(3):
        cand = np.flatnonzero(secondary & (kind == k))
        forced = cand[town_size[town[cand]] == 1]
        free = np.setdiff1d(cand, forced)
        want = int(round(NINE_YEAR_SHARE[k] * len(cand))) - len(forced)
        pick = rng.choice(free, size=min(max(want, 0), len(free)), replace=False) if len(free) else free
        level[np.concatenate([forced, pick]).astype(np.int64)] = LEVELS.index("nine_year")

    # feeders: a town's primaries go round-robin to its secondaries, juniors first
    sec = np.flatnonzero(secondary)
    sec = sec[np.lexsort((pos[sec], level[sec], town[sec]))]
    sec_start = np.searchsorted(town[sec], np.arange(n_t))
    prim = np.flatnonzero(~secondary)
    prim_rank = pos[prim] - n_sec[town[prim]]
    feeder = np.full(n, -1, np.int64)
    feeder[prim] = sec[sec_start[town[prim]] + prim_rank % n_sec[town[prim]]]
    return dict(n=n, town=town, pos=pos, kind=kind, location=location, level=level, feeder=feeder,
                town_kind=town_kind, town_size=town_size, n_sec=n_sec)


# ----------------------------------------------------------------------------- pupils
def _pupils(s: dict, rng: np.random.Generator) -> np.ndarray:
    """Pupils (S, GRADES) int64: flat cohorts, mild decline by grade in mountain areas."""
    n, loc, level, pos, town = s["n"], s["location"], s["level"], s["pos"], s["town"]
    has_primary = level != LEVELS.index("junior")
    first_primary = ~s["level"].astype(bool) & (pos == s["n_sec"][town])  # a town's central primary
    central = first_primary | (level == LEVELS.index("nine_year")) & (s["town_size"][town] == 1)
    cohort_p = np.where(central, COHORT_CENTRAL[loc], COHORT[loc]) * np.exp(
        rng.normal(0.0, np.where(central, np.minimum(COHORT_SD[loc], 0.25), COHORT_SD[loc])))
    cohort_p = np.minimum(cohort_p, COHORT_MAX[loc])
    cohort_p = np.where(level == LEVELS.index("nine_year"), NINE_YEAR_PRIMARY * cohort_p, cohort_p) * has_primary
    g = np.arange(GRADES)
    profile = 1.0 - GRADE_DECLINE[loc][:, None] * g  # (S, GRADES)
    grade6 = cohort_p * profile[:, 5]
    prim = s["feeder"] >= 0
    cohort_j = np.bincount(s["feeder"][prim], weights=grade6[prim], minlength=n).astype(np.float64)
    cohort_j += np.where(level == LEVELS.index("nine_year"), grade6, 0.0)
    orphan = (level != LEVELS.index("primary")) & (cohort_j <= 0)  # junior with no feeder
    cohort_j[orphan] = COHORT_CENTRAL[loc[orphan]] * profile[orphan, 5]
    expected = np.where(g < 6, cohort_p[:, None] * profile,
                        cohort_j[:, None] * profile / profile[:, 5:6])
    offers = np.where(level[:, None] == 0, g < 6, np.where(level[:, None] == 1, g >= 6, True))
    expected = expected * offers * np.exp(rng.normal(0.0, 0.06, expected.shape))
    total = int(round(n * PUPILS_PER_123 / DEFAULT_SCHOOLS))
    return _allocate(expected, np.full(expected.shape, np.inf), total, rng)


def _groups(s: dict, pupils: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Split each (school, grade) into the 16 groups; returns int64 (S, GRADES, 16)."""
    n, loc, town = s["n"], s["location"], s["town"]
    total = pupils.sum()
    town_fx = np.exp(rng.normal(0.0, 0.3, (2, town.max() + 1)))[:, town]
    school_fx = np.exp(rng.normal(0.0, 0.3, (4, n)))
    rp = POOR_RATE[loc] * town_fx[0] * school_fx[0]
    rl = LEFT_BEHIND_RATE[loc] * town_fx[1] * school_fx[1]
    rm = MIGRANT_RATE[loc] * school_fx[2]
    rd = DISABLED_SHARE * np.sqrt(school_fx[3])

    poor = _allocate(pupils * rp[:, None], pupils, round(total * POOR_PUPILS / PUPILS_PER_123), rng)
    by_poor = np.stack([pupils - poor, poor], axis=-1)  # (S, G, poor)
    e_lb = np.minimum(by_poor * rl[:, None, None] * np.array([1.0, LEFT_BEHIND_IF_POOR]), 0.8 * by_poor)
    lb = _allocate(e_lb, by_poor, round(total * LEFT_BEHIND_PUPILS / PUPILS_PER_123), rng)
    stay = by_poor - lb  # not left behind: may be migrant children
    e_mig = stay * rm[:, None, None] * np.array([1.0, MIGRANT_IF_POOR])
    mig = _allocate(e_mig, stay, round(e_mig.sum()), rng)
    # combos (S, G, poor, left_behind, migrant); migrant children are never left behind
    combo = np.zeros(pupils.shape + (2, 2, 2), np.int64)
    combo[..., 0, 0] = stay - mig
    combo[..., 0, 1] = mig
    combo[..., 1, 0] = lb
    e_dis = combo * rd[:, None, None, None, None] * np.array([1.0, DISABLED_IF_POOR])[:, None, None]
    dis = _allocate(e_dis, combo, round(total * DISABLED_SHARE), rng)
    out = np.zeros(pupils.shape + (16,), np.int64)
    for p in range(2):
        for lbf in range(2):
            for m in range(2):
                k = p + 2 * lbf + 8 * m
                out[..., k] = combo[..., p, lbf, m] - dis[..., p, lbf, m]
                out[..., k + 4] = dis[..., p, lbf, m]
    return out


# ----------------------------------------------------------------------------- schools table
def _schools_table(s: dict, pupils: np.ndarray, name: str, rng: np.random.Generator) -> pd.DataFrame:
    n, loc, level = s["n"], s["location"], s["level"]
    teachers = np.maximum(np.round(_steady_staff(pupils, loc)), 1).astype(np.int64)
    senior_p = np.clip(SENIOR_SHARE[loc] * np.exp(rng.normal(0.0, 0.2, n)), 0.0, 0.9)
    quality = np.round(rng.normal(QUALITY_MEAN[loc], QUALITY_SD), 4)
    mu, kappa = FACILITY_MEAN[loc], FACILITY_CONCENTRATION[loc]
    facility = np.round(rng.beta(mu * kappa, (1 - mu) * kappa), 4)
    central = (level == 0) & (s["pos"] == s["n_sec"][s["town"]])
    p_board = np.where(loc == URBAN, 0.0, np.where(level > 0, 0.85,
                       np.where(loc == MOUNTAIN, np.where(central, 0.5, 0.15), 0.0)))
    boarding = (rng.random(n) < p_board).astype(np.int64)
    share = np.where(level > 0, rng.uniform(0.3, 0.7, n), rng.uniform(0.1, 0.4, n))
    boarding_share = np.round(share * boarding, 4)
    names = _names(s, name, rng)
    senior = rng.binomial(teachers, senior_p)  # drawn last: how many draws it uses depends on the staff
    ids = names.pop("school_id")
    feeder_id = np.where(s["feeder"] >= 0, ids[np.maximum(s["feeder"], 0)], "")
    return pd.DataFrame({
        "school_id": ids, **names,
        "level": np.array(LEVELS, dtype=object)[level],
        "location": np.array(LOCATIONS, dtype=object)[loc],
        "boarding": boarding, "boarding_share": boarding_share,
        "teachers": teachers, "senior_teachers": senior.astype(np.int64),
        "teacher_quality": quality, "facility_index": facility,
        "feeder_school_id": feeder_id.astype(object),
    })


def _steady_staff(pupils: np.ndarray, loc: np.ndarray) -> np.ndarray:
    """Teachers (FTE) per school: the staffing norm times the share of it that the
    start year's baseline hiring keeps filled (:func:`staffing.steady_state_stock`).

    Attrition, the rural-teacher subsidy's effect on it, vacancy fill rates and
    the rural-service rule are the baseline's (``params/baseline.yaml``,
    ``teachers.*`` and ``budget.rural_teacher_subsidy_yuan_per_teacher``), so
    an unchanged baseline keeps this stock.
    """
    p = load_scenario("baseline").values()
    t, norm = p.teachers, p.teachers.staffing_norm
    by_loc = lambda group: np.array([getattr(group, k) for k in LOCATIONS])[loc]  # noqa: E731
    need = staffing.teachers_needed(pupils, np.isin(loc, [LOCATIONS.index(k) for k in norm.village_locations]),
                                    norm.primary_pupils_per_teacher, norm.junior_pupils_per_teacher,
                                    norm.class_size_pupils, norm.village_teachers_per_class)
    attrition = staffing.attrition_rate(by_loc(t.attrition_rate), t.attrition_subsidy_semi_elasticity_per_1000_yuan,
                                        by_loc(p.budget.rural_teacher_subsidy_yuan_per_teacher))
    fill = staffing.fill_rate(by_loc(t.vacancy_fill_rate), t.rural_service_rule.active,
                              t.rural_service_rule.fill_rate,
                              np.isin(loc, [LOCATIONS.index(k) for k in staffing.RURAL_SERVICE_LOCATIONS]))
    return staffing.steady_state_stock(need, attrition, fill)


def _names(s: dict, district: str, rng: np.random.Generator) -> dict:
    n, town, level, pos, town_kind = s["n"], s["town"], s["level"], s["pos"], s["town_kind"]
    prefix = "BN" if district == "banan" else ("".join(c for c in district if c.isalnum())[:2].upper() or "S")
    width = max(3, len(str(n)))
    ids = np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)
    # rank of each school among its town's primaries / secondaries, in town order
    is_sec = level > 0
    rank = pos - np.where(is_sec, 0, s["n_sec"][town])
    jr_rank = np.zeros(n, np.int64)  # rank among same-level secondaries (for "No. 2 Middle School")
    for lv in (1, 2):
        idx = np.flatnonzero(level == lv)
        first = np.searchsorted(town[idx], town[idx])
        jr_rank[idx] = np.arange(len(idx)) - first
    counts = np.bincount(town_kind, minlength=3)
    real = (counts[0] <= len(URBAN_TOWNS) and counts[1] <= len(PLAIN_TOWNS)
            and counts[2] <= len(MOUNTAIN_TOWNS))
    if not real:
        tw = len(str(len(town_kind)))
        towns = np.array([f"Town {t + 1:0{max(4, tw)}d}" for t in range(len(town_kind))], dtype=object)
        kind_en = np.array(["Primary School", "Middle School", "Nine-year School"], dtype=object)
        label = [f"{towns[t]} {kind_en[lv]} {r + 1}" for t, lv, r in zip(town, level, jr_rank + rank * (level == 0))]
        return dict(school_id=ids, name=np.array(label, dtype=object), name_en=np.array(label, dtype=object),
                    town=towns[town], town_en=towns[town])
    town_names = []
    for k, table in enumerate((URBAN_TOWNS, PLAIN_TOWNS, MOUNTAIN_TOWNS)):
        town_names += table[: counts[k]]
    zh = [t[0] for t in town_names]
    en = [t[1] for t in town_names]
    short = [z.removesuffix("街道").removesuffix("镇") for z in zh]
    short_en = [e.removesuffix(" Subdistrict").removesuffix(" Town") for e in en]
    villages = [v.split(" ") for v in VILLAGES]
    villages = [villages[i] for i in rng.permutation(len(villages))]
    vi = 0
    name, name_en = [], []
    for i in range(n):
        t, lv, r = town[i], level[i], rank[i]
        urban = town_kind[t] == 0
        if lv == 1:  # junior
            num = jr_rank[i] + 1
            name.append(f"{short[t]}中学" if num == 1 else f"{short[t]}第{_NUMERALS[num]}中学")
            name_en.append(f"{short_en[t]} Middle School" if num == 1 else f"{short_en[t]} No. {num} Middle School")
        elif urban and lv == 0:
            name.append(f"{short[t]}小学" if r == 0 else f"{short[t]}第{_NUMERALS[r + 1]}小学")
            name_en.append(f"{short_en[t]} Primary School" if r == 0 else f"{short_en[t]} No. {r + 1} Primary School")
        elif lv == 0 and r == 0:
            name.append(f"{short[t]}中心小学")
            name_en.append(f"{short_en[t]} Central Primary School")
        else:
            v_zh, v_en = villages[vi % len(villages)]
            suffix = "" if vi < len(villages) else str(vi // len(villages) + 1)
            vi += 1
            if lv == 2:
                name.append(f"{v_zh}{suffix}学校")
                name_en.append(f"{v_en}{suffix} School")
            else:
                name.append(f"{v_zh}{suffix}小学")
                name_en.append(f"{v_en}{suffix} Primary School")
    # the report's schools, where their town has such a school
    for zh_name, en_name, candidates in REAL_SCHOOLS:
        for tname, what, r in candidates:
            if tname not in zh:
                continue
            t = zh.index(tname)
            rows = np.flatnonzero((town == t) & (is_sec if what == "secondary" else ~is_sec))
            if r < len(rows) and name[rows[r]] not in {z for z, _, _ in REAL_SCHOOLS}:
                name[rows[r]], name_en[rows[r]] = zh_name, en_name
                break
    return dict(school_id=ids, name=np.array(name, dtype=object), name_en=np.array(name_en, dtype=object),
                town=np.array(zh, dtype=object)[town], town_en=np.array(en, dtype=object)[town])
