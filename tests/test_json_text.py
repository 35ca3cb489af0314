"""nncore.json_text.dumps writes exactly what json.dumps(indent=..., allow_nan=False) writes."""
import json
import math

import numpy as np
import pytest

from nncore.json_text import dumps

DOCUMENTS = [
    {},
    [],
    {"a": [], "b": {}, "c": [[], {}], "d": None},
    {"loss": [2.3, 1.5e-7, 1e22, -0.0, 3, True, False, None], "n": 2000, "done": True},
    {"floats": [0.1, 0.2, 1 / 3], "ints": [1, 2, 3], "bools": [True, False],
     "mixed": [1, 2.5, None, True]},
    {"nested": [[1.0, 2.0], [3.0, None], [], [[4.0]], [{"x": 1.0}]],
     "accuracy": [[0, 0.1], [100, 0.83]]},
    {"Adam (lr=0.3)": {"label": "caf\u00e9, \"quoted\", back\\slash\nnewline", "list": ["a, b", "c"]}},
    {"numpy floats": [np.float64(0.25), np.float64(1e-300)], "tuple": (1.0, 2.0)},
    {1: "int key", "2": [1.0]},  # non-string keys: left to json itself
    {"deep": {"deeper": {1.5: [1.0, {"k": [None]}], "x": [2.0]}}},
    [1.0, "text", {"a": 1}],
    "plain string",
    3.5,
    None,
]


@pytest.mark.parametrize("document", DOCUMENTS)
@pytest.mark.parametrize("indent", [0, 1, 2])
def test_same_text_as_json(document, indent):
    assert dumps(document, indent=indent) == json.dumps(document, indent=indent, allow_nan=False)


def test_random_records_match():
    rng = np.random.default_rng(3)
    for _ in range(20):
        values = rng.standard_normal(50) * 10.0 ** rng.integers(-20, 20, 50)
        document = {"values": values.tolist(), "rows": values.reshape(10, 5).tolist(),
                    "ints": rng.integers(-5, 5, 7).tolist()}
        assert dumps(document) == json.dumps(document, indent=1, allow_nan=False)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("where", ["alone", "float list", "mixed list"])
def test_not_finite_is_refused_as_json_refuses_it(bad, where):
    document = {"alone": bad, "float list": [1.0, bad], "mixed list": [1, None, bad]}[where]
    with pytest.raises(ValueError):
        json.dumps(document, allow_nan=False)
    with pytest.raises(ValueError):
        dumps(document)


def test_unknown_types_are_refused_as_json_refuses_them():
    for document in ({"a": object()}, [object()], {"set": {1}}):
        with pytest.raises(TypeError):
            json.dumps(document, indent=1)
        with pytest.raises(TypeError):
            dumps(document)
