"""levers.common: by-location and by-group tables are kept per parameter group (by identity), read-only."""

from types import SimpleNamespace

import numpy as np
import pytest

from simulate.inputs.district import group_flags
from simulate.model.levers import common


def test_by_location_kept_per_group_and_read_only():
    loc = np.array([0, 1, 2, 3, 2])
    g = SimpleNamespace(urban=1.0, town=2.0, rural=3.0, mountain=4.0)
    a = common.by_location(g, loc, 2)
    assert a is common.by_location(g, loc, 2)
    np.testing.assert_array_equal(a, [[1.0, 2.0, 3.0, 4.0, 3.0]])
    with pytest.raises(ValueError):
        a[0, 0] = 9.0
    other = common.by_location(SimpleNamespace(urban=1.0, town=2.0, rural=3.0, mountain=5.0), loc, 2)
    np.testing.assert_array_equal(other, [[1.0, 2.0, 3.0, 5.0, 3.0]])
    assert common.by_location(g, loc.copy(), 3).shape == (1, 5, 1)


def test_by_group_and_location_helpers():
    flags = group_flags()
    g = SimpleNamespace(poor=1.0, left_behind=2.0, disabled=4.0, migrant=8.0)
    np.testing.assert_array_equal(common.by_group(g, flags).reshape(-1), flags.astype(float) @ [1.0, 2.0, 4.0, 8.0])
    loc = np.array([3, 0, 2, 2])
    assert [m.tolist() for m in common.location_members(loc)] == [[1], [], [2, 3], [0]]
    np.testing.assert_array_equal(common.in_locations(loc, ["rural", "mountain"]), [True, False, True, True])
    np.testing.assert_array_equal(common.in_locations(loc, ("urban",)), [False, True, False, False])
    sampled = SimpleNamespace(urban=np.array([0.1, 0.2]), town=0.3, rural=0.4, mountain=0.0)
    np.testing.assert_array_equal(common.per_location(sampled), [[0.1, 0.3, 0.4, 0.0], [0.2, 0.3, 0.4, 0.0]])
