"""Projection declarations: which columns each input port must deliver, given what the consumers need."""

from __future__ import annotations

from module_library.needs import Wanted, columns_read, input_needs, required


def test_declared_reads_are_per_port_and_deduplicated() -> None:
    assert columns_read(lambda p: ["城市", "金额", "城市"], ["data"], None) == {"data": ["城市", "金额"]}
    assert columns_read(lambda p: {"left": ["k"]}, ["left", "right"], None) == {"left": ["k"], "right": None}
    assert columns_read(None, ["data"], None) == {"data": None}


def test_a_module_that_is_not_pass_through_needs_exactly_what_it_reads() -> None:
    read = {"data": ["城市", "金额"]}
    assert input_needs(read, frozenset({"total"}), passthrough=False) == {"data": frozenset({"城市", "金额"})}
    assert input_needs({"data": None}, frozenset({"total"}), passthrough=False) == {"data": None}


def test_a_pass_through_module_adds_what_its_consumers_need_minus_what_it_produces() -> None:
    needs = input_needs({"data": ["价格"]}, frozenset({"城市", "折后价"}), passthrough=True, produced=["折后价"])
    assert needs == {"data": frozenset({"城市", "价格"})}
    assert required(needs["data"]) == frozenset({"城市", "价格"})
    assert input_needs({"data": ["价格"]}, None, passthrough=True) == {"data": None}  # consumers need all


def test_wanted_columns_keep_only_their_required_part_required() -> None:
    wanted = Wanted({"k", "a", "b"}, required={"k", "zzz"})
    assert wanted == frozenset({"k", "a", "b"}) and required(wanted) == frozenset({"k"})
    needs = input_needs({"data": ["x"]}, wanted, passthrough=True)
    assert needs["data"] == frozenset({"k", "a", "b", "x"}) and required(needs["data"]) == frozenset({"k", "x"})
