"""/api/flowcharts: list, open (with layout), save (atomic JSON, reload), delete, and edits on disk meanwhile."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from starlette.testclient import TestClient

from dataops import history
from dataops.spec.loader import MAX_BYTES
from tests.support.dagster_server import PROJECT

DOCUMENT = {
    "name": "small",
    "description": "销售 → out",
    "nodes": [
        {"id": "load", "module": "read_csv", "params": {"path": "sales.csv"}, "position": {"x": 10, "y": 20}},
        {"id": "save", "module": "write_csv", "params": {"path": "out/x.csv"}, "position": {"x": 300, "y": 20}},
    ],
    "edges": [{"from": "load", "to": "save"}],
}


def test_save_writes_json_and_reports_dagster_down(client: TestClient, workspace: Path) -> None:
    response = client.put("/api/flowcharts/small", json=DOCUMENT)
    assert response.status_code == 200
    body = response.json()
    assert body["file"] == "small.json"
    assert body["problems"] == []
    assert body["reload"]["ok"] is False
    assert body["reload"]["message"].startswith("cannot reach the Dagster UI")
    saved = workspace / "flowcharts" / "small.json"
    assert json.loads(saved.read_text(encoding="utf-8")) == DOCUMENT
    assert "销售" in saved.read_text(encoding="utf-8")  # not \u-escaped
    assert not [
        p for p in saved.parent.iterdir() if p.name.startswith(".") and p.name != ".history"
    ]  # no temporary left


def test_saved_flowcharts_are_listed_and_open_again(client: TestClient) -> None:
    client.put("/api/flowcharts/small", json=DOCUMENT)
    listed = client.get("/api/flowcharts").json()["flowcharts"]
    assert {
        "name": "small",
        "file": "small.json",
        "format": "json",
        "description": "销售 → out",
        "error": None,
    } in listed
    opened = client.get("/api/flowcharts/small").json()
    assert opened["document"] == DOCUMENT
    assert opened["problems"] == []


def test_yaml_without_positions_is_laid_out_left_to_right(client: TestClient, workspace: Path) -> None:
    shutil.copy(PROJECT / "flowcharts" / "sales_by_city.yaml", workspace / "flowcharts")
    opened = client.get("/api/flowcharts/sales_by_city").json()
    assert opened["file"] == "sales_by_city.yaml"
    xs = [n["position"]["x"] for n in opened["document"]["nodes"]]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)


def test_saving_a_yaml_flowchart_keeps_it_yaml_with_its_comments_and_key_order(
    client: TestClient, workspace: Path
) -> None:
    shutil.copy(PROJECT / "flowcharts" / "sales_by_city.yaml", workspace / "flowcharts")
    original = (workspace / "flowcharts" / "sales_by_city.yaml").read_text(encoding="utf-8")
    document = client.get("/api/flowcharts/sales_by_city").json()["document"]
    document["nodes"][1]["params"]["condition"] = "价格 > 50"
    saved = client.put("/api/flowcharts/sales_by_city", json=document).json()
    assert (saved["file"], saved["replaced"], saved["problems"]) == ("sales_by_city.yaml", [], [])
    assert sorted(p.name for p in (workspace / "flowcharts").iterdir() if p.name != ".history") == [
        "sales_by_city.yaml"
    ]
    text = (workspace / "flowcharts" / "sales_by_city.yaml").read_text(encoding="utf-8")
    assert '    params: {condition: "价格 > 50"}\n' in text
    assert "    params: {path: sales.csv}          # encoding and delimiter are detected\n" in text
    assert "    position: {x: 60, y: 60}\n" in text  # the layout the editor gave it, one line per node
    kept = [line for line in original.splitlines() if "condition" not in line]
    assert [line for line in text.splitlines() if "position" not in line and "condition" not in line] == kept
    assert client.get("/api/flowcharts/sales_by_city").json()["document"] == document


def test_saving_over_a_yaml_and_a_json_file_of_one_flowchart_needs_replace(client: TestClient, workspace: Path) -> None:
    shutil.copy(PROJECT / "flowcharts" / "sales_by_city.yaml", workspace / "flowcharts")
    document = client.get("/api/flowcharts/sales_by_city").json()["document"]
    (workspace / "flowcharts" / "copy.json").write_text(json.dumps(document), encoding="utf-8")
    clash = client.put("/api/flowcharts/sales_by_city", json=document)
    assert clash.status_code == 409
    assert "sales_by_city.yaml" in clash.json()["error"]
    replaced = client.put("/api/flowcharts/sales_by_city?replace=true", json=document).json()
    assert sorted(replaced["replaced"]) == ["copy.json", "sales_by_city.yaml"]
    assert sorted(p.name for p in (workspace / "flowcharts").iterdir() if p.name != ".history") == [
        "sales_by_city.json"
    ]


def test_an_invalid_name_is_refused(client: TestClient, workspace: Path) -> None:
    for name in ("1abc", "a-b", "销售"):
        response = client.put(f"/api/flowcharts/{name}", json={**DOCUMENT, "name": name})
        assert response.status_code == 400, name
        assert "not a valid flowchart name" in response.json()["error"]
    assert client.put("/api/flowcharts/..%2Fescape", json=DOCUMENT).status_code in (400, 404)
    assert not list((workspace / "flowcharts").iterdir())


def test_the_body_name_must_match_the_url(client: TestClient) -> None:
    response = client.put("/api/flowcharts/other", json=DOCUMENT)
    assert response.status_code == 400
    assert "differs" in response.json()["error"]


def test_a_body_that_is_not_an_object_is_refused(client: TestClient) -> None:
    assert client.put("/api/flowcharts/small", json=[1]).status_code == 400
    assert client.put("/api/flowcharts/small", content=b"{nope").status_code == 400


def test_an_invalid_flowchart_is_saved_with_its_problems(client: TestClient, workspace: Path) -> None:
    document = {"name": "draft", "nodes": [{"id": "a", "module": "nope"}]}
    body = client.put("/api/flowcharts/draft", json=document).json()
    assert body["problems"][0]["node"] == "a"
    assert (workspace / "flowcharts" / "draft.json").exists()


def test_delete_removes_the_file_and_a_missing_one_is_404(client: TestClient, workspace: Path) -> None:
    client.put("/api/flowcharts/small", json=DOCUMENT)
    deleted = client.delete("/api/flowcharts/small")
    assert deleted.status_code == 200
    assert deleted.json()["deleted"] == ["small.json"]
    assert not (workspace / "flowcharts" / "small.json").exists()
    missing = client.delete("/api/flowcharts/small")
    assert missing.status_code == 404
    assert missing.json() == {"error": "no flowchart named 'small' to delete"}
    assert client.get("/api/flowcharts/small").status_code == 404


def test_an_unreadable_file_is_listed_with_its_error_and_cannot_be_opened(client: TestClient, workspace: Path) -> None:
    (workspace / "flowcharts" / "broken.yaml").write_text("name: [oops\n", encoding="utf-8")
    listed = client.get("/api/flowcharts").json()["flowcharts"]
    assert listed[0]["name"] == "broken" and "not valid YAML" in listed[0]["error"]
    response = client.get("/api/flowcharts/broken")
    assert response.status_code == 422
    assert "cannot be opened" in response.json()["error"]


def test_a_save_over_the_size_limit_is_413_and_keeps_the_good_file(client: TestClient, workspace: Path) -> None:
    assert client.put("/api/flowcharts/small", json=DOCUMENT).status_code == 200
    saved = workspace / "flowcharts" / "small.json"
    good = saved.read_bytes()
    padded = {**DOCUMENT, "description": "销" * (MAX_BYTES // 3)}  # 1 MiB: well within the request limit
    response = client.put("/api/flowcharts/small", json=padded)
    assert response.status_code == 413
    error = response.json()["error"]
    assert error.startswith("'small' would be 1,049,062 bytes as small.json")
    assert "flowcharts are limited to 1,048,576 bytes" in error and "nothing was saved" in error
    assert saved.read_bytes() == good
    assert client.get("/api/flowcharts/small").status_code == 200
    assert [p.name for p in saved.parent.iterdir() if p.name != ".history"] == ["small.json"]


# ---- edits on disk while a flowchart is open (issue 18): version tokens, 409, force ----------------


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _open_yaml(client: TestClient, workspace: Path) -> tuple[Path, dict]:
    shutil.copy(PROJECT / "flowcharts" / "sales_by_city.yaml", workspace / "flowcharts")
    return workspace / "flowcharts" / "sales_by_city.yaml", client.get("/api/flowcharts/sales_by_city").json()


def _edit_on_disk(path: Path) -> str:
    """A hand edit: another condition, with a comment of its own."""
    text = path.read_text(encoding="utf-8")
    edited = text.replace('{condition: "价格 IS NOT NULL AND 数量 > 0"}', '{condition: "数量 > 5"}  # hand edit')
    assert edited != text
    path.write_text(edited, encoding="utf-8")
    return edited


def test_open_gives_the_file_version_and_each_save_a_new_one(client: TestClient, workspace: Path) -> None:
    path, opened = _open_yaml(client, workspace)
    assert opened["version"] == _sha(path)
    assert client.get("/api/flowcharts/sales_by_city/version").json() == {
        "name": "sales_by_city",
        "file": "sales_by_city.yaml",
        "version": opened["version"],
    }
    document = opened["document"]
    versions = [opened["version"]]
    for condition in ("数量 > 1", "数量 > 2"):
        document["nodes"][1]["params"]["condition"] = condition
        saved = client.put(f"/api/flowcharts/sales_by_city?base={versions[-1]}", json=document)
        assert saved.status_code == 200, saved.json()
        versions.append(saved.json()["version"])
        assert versions[-1] == _sha(path) == client.get("/api/flowcharts/sales_by_city/version").json()["version"]
    assert len(set(versions)) == 3
    stale = client.put(f"/api/flowcharts/sales_by_city?base={versions[0]}", json=document)
    assert stale.status_code == 409  # the page's own earlier version is no base either
    missing = client.get("/api/flowcharts/nothing/version").json()
    assert missing == {"name": "nothing", "file": None, "version": None}


def test_a_save_over_an_edit_on_disk_is_refused_with_the_disk_version(client: TestClient, workspace: Path) -> None:
    path, opened = _open_yaml(client, workspace)
    document = opened["document"]
    document["nodes"][2]["params"]["expression"] = "价格 * 数量 * 2"  # my edit, in the page
    edited = _edit_on_disk(path)  # meanwhile, on disk
    assert client.get("/api/flowcharts/sales_by_city/version").json()["version"] == _sha(path) != opened["version"]

    response = client.put(f"/api/flowcharts/sales_by_city?base={opened['version']}", json=document)
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == (
        "'sales_by_city' (sales_by_city.yaml) was changed on disk since it was opened; nothing was saved: keep "
        "yours (save again with force=true; the file's text on disk stays in its history) or take the disk's "
        "(open it again)"
    )
    assert (body["file"], body["version"]) == ("sales_by_city.yaml", _sha(path))
    assert body["document"]["nodes"][1]["params"] == {"condition": "数量 > 5"}
    assert body["document"]["nodes"][1]["position"] == document["nodes"][1]["position"]  # laid out as opened
    assert body["base_known"] is False  # never saved before: no version holds the opened text
    assert body["disk_changes"] == [
        '~ node valid: param condition "价格 IS NOT NULL AND 数量 > 0" → "数量 > 5"',
        '~ node revenue: param expression "价格 * 数量 * 2" → "价格 * 数量"',
    ]  # how the disk differs from mine
    assert path.read_text(encoding="utf-8") == edited  # the hand edit is untouched


def test_the_changes_of_both_sides_come_from_the_opened_version_in_the_history(
    client: TestClient, workspace: Path
) -> None:
    path, opened = _open_yaml(client, workspace)
    document = opened["document"]
    base = client.put(f"/api/flowcharts/sales_by_city?base={opened['version']}", json=document).json()["version"]
    document["nodes"][2]["params"]["expression"] = "价格 * 数量 * 2"
    _edit_on_disk(path)
    body = client.put(f"/api/flowcharts/sales_by_city?base={base}", json=document).json()
    assert body["base_known"] is True
    assert body["disk_changes"] == ['~ node valid: param condition "价格 IS NOT NULL AND 数量 > 0" → "数量 > 5"']
    assert body["your_changes"] == ['~ node revenue: param expression "价格 * 数量" → "价格 * 数量 * 2"']


def test_force_overwrites_and_keeps_the_disk_text_in_the_history(client: TestClient, workspace: Path) -> None:
    path, opened = _open_yaml(client, workspace)
    document = opened["document"]
    document["nodes"][2]["params"]["expression"] = "价格 * 数量 * 2"
    edited = _edit_on_disk(path)
    assert client.put(f"/api/flowcharts/sales_by_city?base={opened['version']}", json=document).status_code == 409
    saved = client.put(f"/api/flowcharts/sales_by_city?base={opened['version']}&force=true", json=document)
    assert saved.status_code == 200
    text = path.read_text(encoding="utf-8")
    assert saved.json()["version"] == _sha(path)
    assert '    params: {name: 金额, expression: "价格 * 数量 * 2"}\n' in text  # mine
    # the disk's condition is overwritten; the YAML merge keeps the file as it is on disk otherwise, its comments too
    assert '    params: {condition: "价格 IS NOT NULL AND 数量 > 0"} # hand edit\n' in text
    assert "# Read Excel's GBK export" in text and "# encoding and delimiter are detected" in text
    versions = client.get("/api/flowcharts/sales_by_city/history").json()["versions"]
    assert [v["source"] for v in versions] == ["editor", "disk"]
    disk = history.find(path, versions[1]["id"])
    assert disk.text() == edited  # the hand edit, comment and all, is one Revert away
    assert '~ node revenue: param expression "价格 * 数量" → "价格 * 数量 * 2"' in versions[0]["changes"]


def test_taking_the_disk_version_and_saving_on_it_keeps_both_files_comments(
    client: TestClient, workspace: Path
) -> None:
    path, opened = _open_yaml(client, workspace)
    _edit_on_disk(path)
    conflict = client.put(f"/api/flowcharts/sales_by_city?base={opened['version']}", json=opened["document"]).json()
    document = conflict["document"]  # "take theirs": the page loads the disk's flowchart and its version
    document["nodes"][2]["params"]["expression"] = "价格 * 数量 * 2"
    saved = client.put(f"/api/flowcharts/sales_by_city?base={conflict['version']}", json=document)
    assert saved.status_code == 200
    text = path.read_text(encoding="utf-8")
    assert '    params: {condition: "数量 > 5"}  # hand edit\n' in text  # the disk edit and its comment
    assert '    params: {name: 金额, expression: "价格 * 数量 * 2"}\n' in text
    assert "    params: {path: sales.csv}          # encoding and delimiter are detected\n" in text


def test_a_new_flowchart_does_not_overwrite_one_on_disk_and_a_deleted_one_is_a_conflict(
    client: TestClient, workspace: Path
) -> None:
    assert client.put("/api/flowcharts/small?base=new", json=DOCUMENT).status_code == 200
    again = client.put("/api/flowcharts/small?base=new", json=DOCUMENT)
    assert again.status_code == 409
    assert again.json()["error"].startswith("'small' already exists on disk as small.json; nothing was saved")
    version = again.json()["version"]
    (workspace / "flowcharts" / "small.json").unlink()
    gone = client.put(f"/api/flowcharts/small?base={version}", json=DOCUMENT)
    assert gone.status_code == 409
    assert gone.json()["error"].startswith("'small' was deleted on disk since it was opened; nothing was saved")
    assert (gone.json()["file"], gone.json()["document"]) == (None, None)
    assert client.put(f"/api/flowcharts/small?base={version}&force=true", json=DOCUMENT).status_code == 200


def test_a_save_without_base_overwrites_as_before_and_a_bad_base_is_400(client: TestClient, workspace: Path) -> None:
    path, opened = _open_yaml(client, workspace)
    _edit_on_disk(path)
    assert client.put("/api/flowcharts/sales_by_city", json=opened["document"]).status_code == 200  # scripts
    assert "数量 > 5" not in path.read_text(encoding="utf-8")
    bad = client.put("/api/flowcharts/sales_by_city?base=abc", json=opened["document"])
    assert bad.status_code == 400
    assert bad.json()["error"].startswith("query › base: String should match pattern")


def test_the_version_alone_follows_the_declared_name_as_the_file_changes(client: TestClient, workspace: Path) -> None:
    path = workspace / "flowcharts" / "a.yaml"
    path.write_text("name: sales\nnodes: []\n", encoding="utf-8")
    first = client.get("/api/flowcharts/sales/version").json()
    assert first == {"name": "sales", "file": "a.yaml", "version": _sha(path)}
    path.write_text("name: orders\nnodes: []\n", encoding="utf-8")  # the name is read again: the file changed
    assert client.get("/api/flowcharts/sales/version").json()["file"] is None
    assert client.get("/api/flowcharts/orders/version").json()["version"] == _sha(path)
    (workspace / "flowcharts" / "orders.json").write_text('{"name": "orders"}', encoding="utf-8")
    assert client.get("/api/flowcharts/orders/version").json()["file"] == "orders.json"  # as GET opens it
