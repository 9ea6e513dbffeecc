"""A map of a district's schools by town, from their coordinates (matplotlib scatter: no tiles, nothing
fetched), for the district check of ``simulate district import`` and notebook 01."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["school_map"]


def school_map(locations: pd.DataFrame, schools: pd.DataFrame, path: str | Path | None = None):
    """A PNG scatter of the schools at their coordinates, coloured by town, marker by level (no tiles):
    written to ``path`` (returned), or its bytes when ``path`` is None."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from .dashboard.fonts import cjk_family

    family = cjk_family()

    df = schools[["school_id", "town", "level"]].merge(locations, on="school_id")
    df = df[np.isfinite(df["longitude"]) & np.isfinite(df["latitude"])]
    fig, ax = plt.subplots(figsize=(7, 6))
    legend_font = {"family": family} if family else None
    markers = {"primary": "o", "junior": "s", "nine_year": "D"}
    towns = sorted(df["town"].astype(str).unique())
    cmap = plt.get_cmap("tab20")
    for i, town in enumerate(towns):
        sub = df[df["town"] == town]
        for level, g in sub.groupby("level"):
            ax.scatter(g["longitude"], g["latitude"], s=36, color=cmap(i % 20),
                       marker=markers.get(level, "^"), label=town if level == sub["level"].iloc[0] else None)
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.set_title("Schools by town (○ primary, □ junior, ◇ nine-year, △ teaching point)")
    ax.set_aspect(1 / np.cos(np.radians(df["latitude"].mean())) if len(df) else 1)
    ax.legend(loc="best", frameon=False, prop=dict(legend_font or {}, size=7))
    fig.tight_layout()
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
    if path is None:
        return buf.getvalue()
    Path(path).write_bytes(buf.getvalue())
    return Path(path)
