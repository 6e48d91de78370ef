"""JSONata per record: shortcuts agree with the interpreter, errors are clear."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tap_twilio_metrics.errors import ConfigError, ExpressionError
from tap_twilio_metrics.expressions import Expression, to_decimal, to_dimension

RECORD: dict[str, Any] = {
    "sid": "SM123",
    "status": "delivered",
    "price": "-0.00750",
    "num_segments": "2",
    "error_code": 30003,
    "nested": {"inner": {"count": "7"}, "items": [1, 2]},
    "unpriced": None,
}


@pytest.mark.parametrize(
    "source",
    [
        "status",
        "nested.inner.count",
        "$number(num_segments)",
        "-$number(price)",
        "price ? -$number(price)",
        "unpriced ? -$number(unpriced)",
        "missing",
        "missing.deeper",
        "error_code",
        "1",
    ],
)
def test_shortcut_agrees_with_interpreter(source: str) -> None:
    fast = Expression("m", "value", source)
    slow = Expression("m", "value", f"({source})")

    assert fast.has_shortcut
    assert not slow.has_shortcut
    assert to_decimal_or_text(fast.evaluate(RECORD)) == to_decimal_or_text(
        slow.evaluate(RECORD)
    )


def to_decimal_or_text(value: Any) -> Any:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return to_decimal(value)
    return value


def test_lists_on_a_path_fall_back_to_the_interpreter() -> None:
    expression = Expression("m", "value", "nested.items")

    assert expression.evaluate(RECORD) == [1, 2]


def test_syntax_error_names_metric_field_and_position() -> None:
    with pytest.raises(ConfigError) as caught:
        Expression("sms_spend", "value", "$number(price")

    message = str(caught.value)
    assert "metric 'sms_spend'" in message
    assert "value is not valid JSONata" in message
    assert "position" in message
    assert "^" in message


def test_number_of_text_names_metric_and_sid() -> None:
    expression = Expression("segments", "value", "$number(status)")

    with pytest.raises(ExpressionError) as caught:
        expression.evaluate(RECORD)

    assert "metric 'segments'" in str(caught.value)
    assert "sid SM123" in str(caught.value)


def test_number_of_null_names_metric_and_sid() -> None:
    expression = Expression("spend", "value", "$number(unpriced)")

    with pytest.raises(ExpressionError, match=r"metric 'spend'.*sid SM123"):
        expression.evaluate(RECORD)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("-0.00750", Decimal("-0.00750")),
        (0.1, Decimal("0.1")),
        (3, Decimal(3)),
        ("1e3", Decimal(1000)),
        (None, None),
    ],
)
def test_numbers_and_numeric_strings_are_exact_decimals(
    value: Any, expected: Decimal | None
) -> None:
    assert to_decimal(value) == expected


@pytest.mark.parametrize("value", ["abc", "", True, {"a": 1}, [1], "NaN", float("inf")])
def test_non_numbers_are_refused(value: Any) -> None:
    with pytest.raises(ValueError, match="not a"):
        to_decimal(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("US", "US"),
        (30003, "30003"),
        (2.0, "2"),
        (True, "true"),
        ([1], "[1]"),
    ],
)
def test_dimensions_are_strings_and_never_null(value: Any, expected: str) -> None:
    assert to_dimension(value) == expected
