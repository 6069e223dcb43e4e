"""The JSON loader: repeated keys are refused at their line and column; everything else is `json`'s."""

from __future__ import annotations

import json

import pytest

from dataops.spec.json_loader import load_json


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": 1, "a": 2}', r"^duplicate key 'a': line 1 column 10 \(char 9\)$"),
        ('{\n  "a": 1,\n  "b": {"c": 1,\n        "c": 2}}', r"^duplicate key 'c': line 4 column 9"),
        # the repeat that comes first in the text, though the inner object is finished first
        ('{"a": {"b": 1, "b": 2}, "a": 3}', r"^duplicate key 'b': line 1 column 16"),
        ('{"a": 3, "x": {"b": 1, "b": 2}, "a": 4}', r"^duplicate key 'b': line 1 column 24"),
        ('[1, "{\\"k\\": 1, \\"k\\": 2}", {"k": [], "k": {}}]', r"^duplicate key 'k': line 1 column 39"),
        # the same key written two ways is the same key
        ('{"\\u00e9": 1, "é": 2}', r"^duplicate key 'é': line 1 column 15"),
    ],
)
def test_a_repeated_key_is_an_error_where_it_repeats(text: str, message: str) -> None:
    with pytest.raises(json.JSONDecodeError, match=message):
        load_json(text)


def test_documents_without_repeats_are_as_json_reads_them() -> None:
    text = '{"a": [1, {"a": 2}, {"b": {"a": 3}}], "b": "a", "c": {}, "d": []}'
    assert load_json(text) == json.loads(text)
    with pytest.raises(json.JSONDecodeError, match="Expecting value: line 1 column 7"):
        load_json('{"a": }')
