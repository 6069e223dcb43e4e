"""The remote-module client's pieces without a service: framing, descriptions, params models."""

from __future__ import annotations

import json
import struct

import pyarrow as pa
import pytest
from pydantic import ValidationError

from module_library.remote import Description, decode_frames, encode_frames, params_model


def _framed(length: int, payload: bytes) -> bytes:
    head = json.dumps({"tables": [{"port": "result", "length": length}]}).encode()
    return struct.pack(">I", len(head)) + head + payload


def _joined(pieces: list) -> bytes:  # type: ignore[type-arg]
    return b"".join(p if isinstance(p, bytes) else p.to_pybytes() for p in pieces)


def test_frames_round_trip_several_tables_with_non_ascii_columns() -> None:
    first = pa.table({"城市": ["北京", None], "价格": [1.5, None]})
    second = pa.table({"n": pa.array([], pa.int64())})
    header, tables = decode_frames(
        _joined(encode_frames({"params": {"列": "城市"}}, [("data", first), ("data", second)]))
    )
    assert header["params"] == {"列": "城市"}
    assert [p for p, _ in tables] == ["data", "data"]
    assert tables[0][1].equals(first) and tables[1][1].equals(second)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"\x00", "shorter than its 4-byte header length"),
        (b"\x00\x00\x00\x03{x}", "the JSON header is malformed"),
        (_framed(99, b"abc"), "the stream for 'result' is cut short \\(3 of 99 bytes\\)"),
        (_framed(3, b"abc"), "the Arrow IPC stream for 'result' is malformed"),
    ],
)
def test_malformed_frames_say_what_is_wrong(body: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        decode_frames(body)


def test_a_description_needs_a_name_version_and_outputs() -> None:
    with pytest.raises(ValueError, match="the description lacks name, version"):
        Description.parse({"outputs": ["result"]})
    parsed = Description.parse(
        {"name": "x", "version": "1", "outputs": ["result"], "inputs": ["a", {"name": "b", "many": True}]}
    )
    assert [(p.name, p.many) for p in parsed.inputs] == [("a", False), ("b", True)]
    assert parsed.category == "remote"


def test_params_model_follows_the_json_schema_and_keeps_it() -> None:
    schema = {
        "type": "object",
        "properties": {
            "column": {"type": "string"},
            "factor": {"type": "number", "default": 2},
            "mode": {"enum": ["a", "b"]},
            "names": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["column"],
    }
    model = params_model("demo", schema)
    assert model.model_json_schema() == schema
    params = model.model_validate({"column": "城市", "names": ["x"]})
    assert params.model_dump(exclude_none=True) == {"column": "城市", "factor": 2, "names": ["x"]}
    with pytest.raises(ValidationError, match="column"):
        model.model_validate({})
    with pytest.raises(ValidationError, match="extra"):
        model.model_validate({"column": "a", "colum": "b"})
    with pytest.raises(ValidationError, match="remote module 'demo' is unavailable"):
        params_model("demo", schema, "remote module 'demo' is unavailable").model_validate({"column": "a"})
