from __future__ import annotations

import numpy as np
import pytest

from vigil_science import rules

nan = np.nan
ROW = {"t": np.array([95.0, 80.0, nan]), "c": np.array([2.0, -3.0, 1.0])}
COLS = set(ROW)


def ev(expr):
    assert rules.check(expr, COLS) in (rules.NUM, rules.BOOL)
    return rules.evaluate(expr, ROW, 3)


def test_comparisons_and_logic():
    assert ev({"gt": ["t", 90]}).tolist() == [True, False, False]
    assert ev({"all": [{"gt": ["t", 70]}, {"gt": ["c", 0]}]}).tolist() == [True, False, False]
    assert ev({"any": [{"gt": ["t", 90]}, {"lt": ["c", 0]}]}).tolist() == [True, True, False]
    assert ev({"not": {"ge": ["c", 2]}}).tolist() == [False, True, True]


def test_every_comparison_with_nan_is_false_including_ne():
    for op in ("gt", "ge", "lt", "le", "eq", "ne"):
        assert ev({op: ["t", 1]})[2] == np.False_
    assert ev({"missing": "t"}).tolist() == [False, False, True]


def test_arithmetic_follows_ieee_float64():
    np.testing.assert_array_equal(ev({"abs": "c"}), [2.0, 3.0, 1.0])
    np.testing.assert_array_equal(ev({"sub": ["t", {"mul": ["c", 10, 0.5]}]}), [85.0, 95.0, nan])
    np.testing.assert_array_equal(ev({"div": ["c", 0]}), [np.inf, -np.inf, np.inf])
    np.testing.assert_array_equal(ev({"max": ["c", 0, {"neg": "c"}]}), [2.0, 3.0, 1.0])
    np.testing.assert_array_equal(ev({"add": ["t", "c"]}), [97.0, 77.0, nan])
    assert ev({"lt": [{"min": ["t", 90]}, 85]}).tolist() == [False, True, False]  # min with NaN is NaN


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ({"gt": ["t"]}, "exactly 2"),
        ({"gt": ["nope", 1]}, "unknown column"),
        ({"all": ["t"]}, "booleans"),
        ({"add": [{"gt": ["t", 1]}, 1]}, "numbers"),
        ({"eval": ["t"]}, "unknown operator"),
        ({"gt": ["t", 1], "lt": ["t", 2]}, "exactly one key"),
        ({"missing": {"abs": "t"}}, "one column name"),
        ({"add": ["t"]}, "at least 2"),
    ],
)
def test_malformed_expressions_are_refused(expr, message):
    with pytest.raises(rules.RuleError, match=message):
        rules.check(expr, COLS)


def test_columns_of_lists_references_in_first_appearance_order():
    assert rules.columns_of({"all": [{"gt": ["t", "c"]}, {"missing": "t"}, {"lt": [{"abs": "c"}, 1]}]}) == ["t", "c"]


def test_rules_conformance_cases_cover_every_operator_and_refuse_the_invalid_ones():
    from vigil_science.parity import rules_cases

    cases = rules_cases()
    ops = {next(iter(c["expr"])) for c in cases["cases"] if isinstance(c["expr"], dict)}
    assert ops == set(rules.NARY_NUM) | set(rules.BINARY_NUM) | set(rules.UNARY_NUM) | set(rules.COMPARE) | {
        "all",
        "any",
        "not",
        "missing",
    }
    for bad in cases["invalid"]:
        with pytest.raises(rules.RuleError):
            rules.check(bad["expr"], set(cases["columns"]))
