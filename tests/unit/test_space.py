"""ParameterSpace: encodings, validation, sampling (property tests with hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archgym.errors import InvalidDesignError
from archgym.space import Categorical, Constraint, Integer, Ordinal, ParameterSpace, PowerOfTwo, Real

# -- strategies ------------------------------------------------------------------------


@st.composite
def parameters(draw, allow_real=True):
    kind = draw(st.sampled_from(["cat", "int", "pow2", "ord"] + (["real"] if allow_real else [])))
    if kind == "cat":
        n = draw(st.integers(1, 6))
        if draw(st.booleans()):
            return Categorical([f"c{i}" for i in range(n)])
        return Categorical(draw(st.lists(st.integers(-50, 50), min_size=1, max_size=6, unique=True)))
    if kind == "int":
        lo = draw(st.integers(-20, 20))
        return Integer(lo, lo + draw(st.integers(0, 30)))
    if kind == "pow2":
        lo = draw(st.integers(0, 6))
        return PowerOfTwo(2**lo, 2 ** (lo + draw(st.integers(0, 8))))
    if kind == "ord":
        return Ordinal(draw(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=5, unique=True)))
    lo = draw(st.floats(0.01, 10))
    return Real(lo, lo * draw(st.floats(1.5, 100)), log=draw(st.booleans()))


@st.composite
def spaces(draw, allow_real=True):
    n = draw(st.integers(1, 6))
    return ParameterSpace({f"p{i}": draw(parameters(allow_real)) for i in range(n)})


# -- properties ------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(space=spaces(allow_real=False), seed=st.integers(0, 2**31 - 1))
def test_decode_encode_roundtrip_discrete(space, seed):
    for d in space.sample(np.random.default_rng(seed), 5):
        assert space.decode(space.encode(d)) == d
        assert space.decode_unit(space.encode_unit(d)) == d


@settings(max_examples=150, deadline=None)
@given(space=spaces(), seed=st.integers(0, 2**31 - 1))
def test_samples_always_validate(space, seed):
    for d in space.sample(np.random.default_rng(seed), 5):
        assert space.validate(d) == d


@settings(max_examples=150, deadline=None)
@given(space=spaces(), data=st.data())
def test_every_index_vector_decodes_to_a_valid_design(space, data):
    idx = np.array([data.draw(st.integers(0, int(n) - 1)) for n in space.nvec])
    d = space.decode(idx)
    space.validate(d)
    np.testing.assert_array_equal(space.encode(d), idx)


@settings(max_examples=100, deadline=None)
@given(space=spaces(), data=st.data())
def test_every_unit_vector_decodes_to_a_valid_design(space, data):
    u = np.array([data.draw(st.floats(0, 1)) for _ in space.names])
    d = space.decode_unit(u)
    space.validate(d)
    assert space.to_gymnasium().contains(space.encode_action(d))


@settings(max_examples=60, deadline=None)
@given(space=spaces())
def test_json_roundtrip(space):
    assert ParameterSpace.from_json(space.to_json()) == space
    assert ParameterSpace.from_json(space.to_json()).fingerprint() == space.fingerprint()


# -- examples --------------------------------------------------------------------------

SPACE = ParameterSpace(
    {
        "policy": Categorical(["Open", "Closed"]),
        "buffer": Integer(1, 8),
        "banks": PowerOfTwo(16, 128),
        "width": Ordinal([7, 14]),
    }
)


def test_size_and_nvec():
    assert SPACE.size == 2 * 8 * 4 * 2
    assert SPACE.nvec.tolist() == [2, 8, 4, 2]
    assert ParameterSpace({"x": Real(0, 1)}).size is None


def test_gymnasium_spaces():
    from gymnasium import spaces as gs

    assert isinstance(SPACE.to_gymnasium(), gs.MultiDiscrete)
    box = ParameterSpace({"x": Real(1, 10, log=True), "y": Integer(0, 3)}).to_gymnasium()
    assert isinstance(box, gs.Box) and box.shape == (2,)


def test_power_of_two_values():
    assert PowerOfTwo(16, 128).values() == [16, 32, 64, 128]
    with pytest.raises(ValueError):
        PowerOfTwo(3, 16)


def test_real_log_grid_endpoints():
    r = Real(1, 1000, log=True, grid=4)
    assert r.value_at(0) == pytest.approx(1) and r.value_at(3) == pytest.approx(1000)
    assert r.value_at(1) == pytest.approx(10)


@pytest.mark.parametrize(
    "design, fragment",
    [
        ({"policy": "Opne", "buffer": 1, "banks": 16, "width": 7}, "'Opne' is not allowed; expected one of ['Open', 'Closed']"),
        ({"policy": "Open", "buffer": 9, "banks": 16, "width": 7}, "an integer in [1, 8]"),
        ({"policy": "Open", "buffer": 1, "banks": 24, "width": 7}, "power of two in [16, 128]"),
        ({"policy": "Open", "buffer": 1, "banks": 16, "width": 7, "bufer": 2}, "unknown parameter 'bufer'"),
        ({"policy": "Open", "buffer": 1, "banks": 16}, "missing parameter(s) 'width'"),
    ],
)
def test_validate_errors_name_the_culprit(design, fragment):
    with pytest.raises(InvalidDesignError) as e:
        SPACE.validate(design)
    assert fragment in str(e.value)


def test_unknown_parameter_suggests_close_name():
    with pytest.raises(InvalidDesignError, match="did you mean 'buffer'"):
        SPACE.validate({"policy": "Open", "bufer": 1, "banks": 16, "width": 7})


def test_decode_out_of_range():
    with pytest.raises(InvalidDesignError, match="out of range for parameter 'buffer'"):
        SPACE.decode([0, 8, 0, 0])


def test_parse_design_from_strings():
    d = SPACE.parse_design(["policy=closed", "buffer=4"], base={"policy": "Open", "buffer": 1, "banks": 16, "width": 7})
    assert d == {"policy": "Closed", "buffer": 4, "banks": 16, "width": 7}
    with pytest.raises(InvalidDesignError, match="expected KEY=VALUE"):
        SPACE.parse_design(["policy"])
    with pytest.raises(InvalidDesignError, match="cannot read 'four'"):
        SPACE.parse_design(["buffer=four"])


def test_numpy_values_validate_to_python():
    d = SPACE.validate({"policy": "Open", "buffer": np.int64(3), "banks": np.int32(32), "width": np.float64(14)})
    assert type(d["buffer"]) is int and type(d["width"]) is int and d["width"] == 14


def test_constraints_mark_infeasible():
    space = ParameterSpace({"a": Integer(0, 3), "b": Integer(0, 3)}, [Constraint("sum", lambda d: d["a"] + d["b"] <= 3, "a + b <= 3")])
    assert space.feasibility({"a": 1, "b": 1}) == (True, None)
    ok, why = space.feasibility({"a": 3, "b": 3})
    assert not ok and "a + b <= 3" in why
    assert all(space.is_feasible(d) for d in space.sample(np.random.default_rng(0), 50, feasible_only=True))


def test_sampling_is_seeded_and_uniform():
    a = SPACE.sample(np.random.default_rng(7), 20)
    b = SPACE.sample(np.random.default_rng(7), 20)
    assert a == b
    counts = np.bincount([SPACE.encode(d)[1] for d in SPACE.sample(np.random.default_rng(1), 8000)], minlength=8)
    assert counts.min() > 800  # 1000 expected per value


def test_decode_many_matches_decode():
    idx = np.array([[0, 1, 2, 1], [1, 7, 3, 0]])
    assert SPACE.decode_many(idx) == [SPACE.decode(r) for r in idx]


def test_to_tune_domains():
    from ray import tune

    doms = SPACE.to_tune()
    assert set(doms) == set(SPACE.names)
    assert isinstance(doms["policy"], tune.search.sample.Categorical)
    assert isinstance(doms["buffer"], tune.search.sample.Integer)
    assert isinstance(Real(1, 10, log=True).to_tune(), tune.search.sample.Float)
    assert math.isclose(Real(1, 10).to_tune().lower, 1)
