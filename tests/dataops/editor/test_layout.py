"""Nodes without positions are laid out left to right by depth; given positions stay."""

from __future__ import annotations

from dataops.editor.layout import DX, X0, with_positions


def test_depth_orders_columns_and_rows_stack() -> None:
    document = {
        "nodes": [{"id": i} for i in ("a", "b", "c", "d")],
        "edges": [{"from": "a", "to": "b"}, {"from": "b.result", "to": "d.left"}, {"from": "c", "to": "d.right"}],
    }
    placed = {n["id"]: n["position"] for n in with_positions(document)["nodes"]}
    assert placed["a"]["x"] == X0
    assert placed["b"]["x"] == X0 + DX
    assert placed["d"]["x"] == X0 + 2 * DX
    assert placed["c"]["x"] == X0 and placed["c"]["y"] > placed["a"]["y"]


def test_existing_positions_are_kept_and_cycles_end() -> None:
    document = {
        "nodes": [{"id": "a", "position": {"x": 5, "y": 6}}, {"id": "b"}, {"id": "c"}],
        "edges": [{"from": "b", "to": "c"}, {"from": "c", "to": "b"}, "junk", {"from": 1}],
    }
    nodes = with_positions(document)["nodes"]
    assert nodes[0]["position"] == {"x": 5, "y": 6}
    assert all("position" in n for n in nodes)


def test_a_document_with_positions_is_unchanged() -> None:
    document = {"nodes": [{"id": "a", "position": {"x": 1, "y": 2}}]}
    assert with_positions(document) is document


def test_ids_that_are_not_strings_are_laid_out_too() -> None:
    """The editor saves any JSON (with its problems), so opening it must not fail on what it saved."""
    document = {"nodes": [{"id": ["a"]}, {"id": {"b": 1}}, {"id": None}, {"id": "c"}], "edges": [{"from": "c", "to": "c"}]}
    assert all(n["position"]["x"] == X0 for n in with_positions(document)["nodes"])
