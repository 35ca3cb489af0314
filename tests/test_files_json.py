"""nncore.files.json_text: run.json's layout (members one per line down to a depth, deeper values
compact on their member's line) with the same data as json.dumps."""
import json
import math

import pytest

from nncore.files import json_text


def test_members_are_one_per_line_down_to_the_levels_and_deeper_values_compact():
    record = {"mnist": {"optimizers": {"SGD": {"losses": [2.3, 1.5], "layers": {"norm": [1.0]}}}},
              "timing": {"seconds": 9.5}, "empty": {}, "numbers": {1: "a"}}
    text = json_text(record, 3)
    assert json.loads(text) == json.loads(json.dumps(record))  # the same data
    assert text.splitlines() == [
        "{",
        ' "mnist": {',
        '  "optimizers": {',
        '   "SGD": {"losses":[2.3,1.5],"layers":{"norm":[1.0]}}',
        "  }",
        " },",
        ' "timing": {',
        '  "seconds": 9.5',
        " },",
        ' "empty": {},',
        ' "numbers": {"1":"a"}',  # keys that are not text: compact, as json writes them
        "}",
    ]
    assert json_text([1, {"a": 2}], 3) == '[1,{"a":2}]'


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_values_json_cannot_hold_are_refused(bad):
    with pytest.raises(ValueError):
        json_text({"a": {"b": [bad]}}, 1)
