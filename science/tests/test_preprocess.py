from __future__ import annotations

import numpy as np
import pytest
from conftest import small_frame

from vigil_science.errors import BUNDLE_INVALID, CONFIG_INVALID, VigilScienceError
from vigil_science.preprocess import apply_steps, check_steps, fit_steps, history_rows

nan = np.nan


def run(steps, frame, inputs):
    return apply_steps(steps, frame, inputs)


def test_impute_replaces_only_nan():
    f = small_frame({"a": [1.0, nan, 3.0]})
    row = run([{"op": "impute", "values": {"a": 7.5}}], f, ["a"])
    assert row["a"].tolist() == [1.0, 7.5, 3.0]


def test_clip_bounds_one_sided_and_keeps_nan():
    f = small_frame({"a": [-5.0, 0.5, 9.0, nan]})
    row = run([{"op": "clip", "bounds": {"a": [0.0, None]}}], f, ["a"])
    assert row["a"][:3].tolist() == [0.0, 0.5, 9.0] and np.isnan(row["a"][3])
    row = run([{"op": "clip", "bounds": {"a": [-1.0, 1.0]}}], f, ["a"])
    assert row["a"][:3].tolist() == [-1.0, 0.5, 1.0]


def test_log1p_is_nan_at_or_below_minus_one():
    f = small_frame({"a": [0.0, np.e - 1, -1.0, -2.0]})
    row = run([{"op": "log1p", "columns": ["a"]}], f, ["a"])
    assert row["a"][0] == 0.0 and row["a"][1] == pytest.approx(1.0, abs=1e-15)
    assert np.isnan(row["a"][2]) and np.isnan(row["a"][3])


def test_lag_and_diff_look_back_within_the_entity_in_row_order():
    # Two entities interleaved: x's history never sees y's rows.
    f = small_frame({"a": [1.0, 10.0, 2.0, 20.0, nan, 40.0]}, entity=["x", "y", "x", "y", "x", "y"])
    steps = [
        {
            "op": "lag",
            "items": [{"column": "a", "lag": 1, "as": "a__lag1"}, {"column": "a", "lag": 2, "as": "a__lag2"}],
        },
        {"op": "diff", "items": [{"column": "a", "lag": 1, "as": "a__diff1"}]},
    ]
    row = run(steps, f, ["a"])
    np.testing.assert_array_equal(row["a__lag1"], [nan, nan, 1.0, 10.0, 2.0, 20.0])
    np.testing.assert_array_equal(row["a__lag2"], [nan, nan, nan, nan, 1.0, 10.0])
    np.testing.assert_array_equal(row["a__diff1"], [nan, nan, 1.0, 10.0, nan, 20.0])
    assert history_rows(steps) == 2


def test_lag_and_diff_read_raw_inputs_not_the_transformed_row():
    f = small_frame({"a": [1.0, nan, 3.0]})
    steps = [{"op": "impute", "values": {"a": 100.0}}, {"op": "lag", "items": [{"column": "a", "lag": 1, "as": "l"}]}]
    row = run(steps, f, ["a"])
    np.testing.assert_array_equal(row["a"], [1.0, 100.0, 3.0])
    np.testing.assert_array_equal(row["l"], [nan, 1.0, nan])  # the raw (absent) value, not the imputed one


def test_scale_is_x_minus_mean_over_std():
    f = small_frame({"a": [1.0, 2.0, 3.0]})
    row = run([{"op": "scale", "params": {"a": {"mean": 2.0, "std": 0.5}}}], f, ["a"])
    np.testing.assert_array_equal(row["a"], [-2.0, 0.0, 2.0])


def test_onehot_unknown_and_absent_are_all_zeros():
    f = small_frame({"a": [0.0] * 4}, attrs={"sev": ["low", "high", "weird", None]})
    step = {
        "op": "onehot",
        "attr": "sev",
        "categories": [{"value": "low", "as": "sev=low"}, {"value": "high", "as": "sev=high"}],
    }
    row = run([step], f, ["a"])
    np.testing.assert_array_equal(row["sev=low"], [1.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(row["sev=high"], [0.0, 1.0, 0.0, 0.0])


def test_fit_steps_fits_each_step_on_the_output_of_the_previous_and_on_fit_rows_only():
    f = small_frame({"a": [1.0, nan, 3.0, 1000.0]}, attrs={"s": ["u", "v", "u", "w"]})
    fit = np.array([True, True, True, False])
    steps, row, prov = fit_steps(
        [
            {"op": "impute", "columns": "*", "strategy": "median"},
            {"op": "lag", "columns": ["a"], "lags": [1]},
            {"op": "scale", "columns": ["a"]},
            {"op": "onehot", "attr": "s"},
        ],
        f,
        ["a"],
        fit,
    )
    assert steps[0] == {"op": "impute", "values": {"a": 2.0}}
    assert steps[2]["params"]["a"]["mean"] == pytest.approx(2.0)  # mean of [1, 2, 3]: imputed, 1000 not fitted
    assert [c["value"] for c in steps[3]["categories"]] == ["u", "v"]  # w is only in non-fit rows
    assert list(row) == ["a", "a__lag1", "s=u", "s=v"]
    assert prov["a__lag1"].kind == "lag"
    np.testing.assert_array_equal(apply_steps(steps, f, ["a"])["a"], row["a"])


def test_unknown_op_and_columns_are_refused():
    f = small_frame({"a": [1.0, 2.0]})
    with pytest.raises(VigilScienceError) as e:
        fit_steps([{"op": "sqrt", "columns": ["a"]}], f, ["a"], np.ones(2, bool))
    assert e.value.code == CONFIG_INVALID
    with pytest.raises(VigilScienceError, match="unknown columns"):
        check_steps([{"op": "scale", "params": {"b": {"mean": 0, "std": 1}}}], ["a"], [])
    with pytest.raises(VigilScienceError) as e:
        check_steps([{"op": "lag", "items": [{"column": "a__x", "lag": 1, "as": "y"}]}], ["a"], [])
    assert e.value.code == BUNDLE_INVALID
    assert check_steps([{"op": "diff", "items": [{"column": "a", "lag": 1, "as": "d"}]}], ["a"], []) == ["a", "d"]
