"""load_yaml: the one YAML loader refuses aliases, deep nesting and duplicate keys at a 1-based line."""

from __future__ import annotations

import re
import time

import pytest

from service.core.errors import ConfigError
from service.core.yamlfile import MAX_DEPTH, LineDict, load_yaml

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(8)
)


@pytest.mark.parametrize(
    ("text", "offset", "expected"),
    [
        (BOMB, 0, "f.yaml:1: YAML aliases/anchors are not allowed"),
        ("a: 1\nb: &x 2\n", 0, "f.yaml:2: YAML aliases/anchors are not allowed"),
        ("a: 1\nb: *x\n", 0, "f.yaml:2: YAML aliases/anchors are not allowed"),
        ("a: 1\nb: *x\n", 1, "f.yaml:3: YAML aliases/anchors are not allowed"),
        ("x: " + "[" * 400 + "]" * 400, 0, "f.yaml:1: nested deeper than 64 levels"),
        ("x: " + "{a: " * 400 + "1" + "}" * 400, 0, "f.yaml:1: nested deeper than 64 levels"),
        ("a: 1\nb:\n  c: 1\n  c: 2\n", 0, "f.yaml:4: duplicate key 'c' (first at line 3)"),
        ("a: 1\nb: 2\na: 3\n", 2, "f.yaml:5: duplicate key 'a' (first at line 3)"),
        ("- {k: 1, k: 2}\n", 0, "f.yaml:1: duplicate key 'k' (first at line 1)"),
        ("a: 1\nb: \x07\n", 0, "f.yaml:2: invalid YAML: character U+0007 is not allowed"),
        ("a: [1\nb: 2\n", 0, "f.yaml:2: invalid YAML: expected ',' or ']', but got ':'"),
    ],
)
def test_hostile_yaml_is_an_error_at_its_line(text: str, offset: int, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_yaml(text, "f.yaml", ConfigError, line_offset=offset)
    assert str(caught.value) == expected


def _depth(value: object) -> int:
    return 1 + _depth(value[0]) if isinstance(value, list) and value else 1


def test_nesting_up_to_the_bound_loads() -> None:
    inner = MAX_DEPTH - 1  # the top-level mapping is one level
    assert _depth(load_yaml("x: " + "[" * inner + "]" * inner, "f", ConfigError)["x"]) == inner
    with pytest.raises(ConfigError, match=re.escape(f"nested deeper than {MAX_DEPTH}")):
        load_yaml("x: " + "[" * (inner + 1) + "]" * (inner + 1), "f", ConfigError)


def test_a_bomb_is_refused_before_anything_is_built() -> None:
    started = time.monotonic()
    with pytest.raises(ConfigError):
        load_yaml(BOMB, "f.yaml", ConfigError)
    assert time.monotonic() - started < 1


def test_lines_are_kept_and_timestamps_stay_strings() -> None:
    data = load_yaml("# c\nwhen: 2024-01-02T03:04:05Z\nnested:\n  k: v\n", "f", ConfigError, 1)
    assert isinstance(data, LineDict) and isinstance(data["nested"], LineDict)
    assert data["when"] == "2024-01-02T03:04:05Z"
    assert (data.line_of("when"), data.line_of("nested"), data["nested"].line_of("k")) == (3, 4, 5)


def test_merge_keys_are_not_duplicates() -> None:
    assert load_yaml("a:\n  <<: {x: 1, y: 2}\n  x: 3\n", "f", ConfigError) == {
        "a": {"x": 3, "y": 2}
    }
