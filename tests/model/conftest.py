"""Shared fixtures of the model tests: the default district and the baseline scenario (a module may
override them, as test_receivers does with its own two-school district)."""

import pytest

import simulate as sim


@pytest.fixture(scope="module")
def district():
    return sim.load_district()


@pytest.fixture(scope="module")
def baseline():
    return sim.load_scenario("baseline")
