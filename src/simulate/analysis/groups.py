"""Factor groups: mechanisms whose parameters share one pair of Sobol' indices.

With some 75 uncertain parameters a Sobol' study of each one at N = 1024 would take
N × (k + 2) ≈ 79,000 parameter sets per scenario. Grouping (SALib's ``groups`` in the
problem) makes the cost N × (g + 2) for g groups: the parameters of a group move
together between the two base matrices, and a group's S1/ST is the share of variance
its parameters explain alone / in all. The groups are data
(``params/sensitivity/groups.yaml``: name → label and dotted-path patterns), so a
parameter added to the tree is grouped by adding a pattern; :func:`assign` says which
factors match no group or several.

A group's *kind* reads its members' sources (:func:`simulate.analysis.factors.source_kind`):
the members' kind when they all share one, else ``partly assumed`` when any member is
assumed in whole or part (a group mixing evidence and assumption), else ``evidence``.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path

from .factors import Factor

#: the group that holds every factor Morris screened out, so that none is held at its value
REST = "rest"
REST_LABEL = "all other uncertain parameters (screened out by Morris, varied together)"


def default_groups_file() -> Path:
    from ..inputs.scenario import params_dir

    return params_dir() / "sensitivity" / "groups.yaml"


@dataclass(frozen=True)
class Group:
    name: str
    label: str
    paths: tuple[str, ...]   # patterns

    def matches(self, path: str) -> bool:
        return any(fnmatch.fnmatchcase(path, p) for p in self.paths)


def load_groups(source: str | Path | dict | None = None) -> list[Group]:
    """Groups from a YAML file (default :func:`default_groups_file`) or a mapping ``{groups: {name: {label, paths}}}``.

    Bad input is one :class:`ValueError` naming the file and key."""
    from ..inputs.yamlfile import read_mapping

    where = "groups"
    if source is None or isinstance(source, (str, Path)):
        path = Path(source) if source is not None else default_groups_file()
        where = str(path)
        doc = read_mapping(path, ValueError)
    else:
        doc = source
    spec = doc.get("groups") if isinstance(doc, dict) else None
    if not isinstance(spec, dict) or not spec:
        raise ValueError(f"{where}: expected a mapping 'groups' of group names to {{label, paths}}")
    out, problems = [], []
    for name, g in spec.items():
        if not isinstance(name, str) or not re.fullmatch(r"\w+", name) or name == REST:
            problems.append(f"{where}: groups.{name}: a group name is letters, digits and '_' (and not '{REST}')")
            continue
        if not isinstance(g, dict) or set(g) != {"label", "paths"}:
            problems.append(f"{where}: groups.{name}: expected exactly 'label' and 'paths'")
            continue
        paths = g["paths"]
        if not isinstance(g["label"], str) or not isinstance(paths, list) or not paths \
                or not all(isinstance(p, str) and p for p in paths):
            problems.append(f"{where}: groups.{name}: label must be text and paths a non-empty list of patterns")
            continue
        out.append(Group(name, g["label"], tuple(paths)))
    if problems:
        raise ValueError("\n".join(problems))
    return out


def assign(factors: list[Factor], groups: list[Group]) -> tuple[dict[str, Group], list[str], dict[str, list[str]]]:
    """(path → its group, paths matching no group, path → names of the several groups it matches).

    A path matching several groups is given the first; one matching none gets no entry."""
    out, unmatched, several = {}, [], {}
    for f in factors:
        hits = [g for g in groups if g.matches(f.path)]
        if not hits:
            unmatched.append(f.path)
            continue
        if len(hits) > 1:
            several[f.path] = [g.name for g in hits]
        out[f.path] = hits[0]
    return out, unmatched, several


def group_kind(kinds: list[str]) -> str:
    """The kind of a group of factors of these kinds (module docstring)."""
    kinds = list(dict.fromkeys(kinds))
    if len(kinds) == 1:
        return kinds[0]
    return "partly assumed" if {"assumption", "partly assumed"} & set(kinds) else "evidence"


@dataclass(frozen=True)
class Grouping:
    """Each factor's group in a study: ``names[i]`` is factor i's group, with labels and kinds by group."""

    names: tuple[str, ...]
    labels: dict
    kinds: dict
    members: dict

    @property
    def order(self) -> list[str]:
        return list(dict.fromkeys(self.names))


def grouping(factors: list[Factor], groups: list[Group], keep: list[str] | None = None) -> Grouping:
    """The groups of ``factors``; with ``keep`` (group names) every factor of another group goes to
    :data:`REST`. A factor matching no group is a group of its own (its path, labelled by the factor)."""
    by_path, _, _ = assign(factors, groups)
    names = []
    labels, members = {}, {}
    for f in factors:
        g = by_path.get(f.path)
        name, label = (g.name, g.label) if g is not None else (f.path, f.label)
        if keep is not None and name not in keep:
            name, label = REST, REST_LABEL
        names.append(name)
        labels[name] = label
        members.setdefault(name, []).append(f.path)
    kinds = {n: group_kind([f.kind for f, m in zip(factors, names) if m == n]) for n in labels}
    return Grouping(tuple(names), labels, kinds, members)


def screen_groups(morris_table, grouping_: Grouping, keep_share: float, max_groups: int) -> list[str]:
    """Groups that survive screening, most important first.

    Per target, a group's weight is the sum of its members' μ* (a group's elementary effect is at
    most that) over the largest group's: a group is eligible if that reaches ``keep_share`` for some
    target, and the eligible ones are ranked by the weight's mean over the targets (so a group that
    matters for many findings beats one that is the top of a single one; ties keep file order).
    At most ``max_groups``. Targets whose μ* are undefined (a ratio undefined somewhere) are skipped."""
    path_group = {p: name for name, paths in grouping_.members.items() for p in paths}
    table = morris_table.assign(group=morris_table["path"].map(path_group))
    per = table.groupby(["target", "group"], sort=False)["mu_star"].sum(min_count=1).unstack("group")
    per = per.reindex(columns=[g for g in grouping_.order if g in per.columns])
    top = per.max(axis=1)
    weight = per.div(top.where(top > 0), axis=0).dropna(how="all")
    if weight.empty:
        return []
    best, mean = weight.max(), weight.mean()
    eligible = mean[best >= keep_share].sort_values(ascending=False, kind="stable")
    return list(eligible.index[:max_groups])
