"""GET /api/files: a folder of the data root for the path browser, confined like the probe and the upload."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from starlette.testclient import TestClient

CSV = "城市,销售额\n上海,120\n".encode()


def test_the_data_root_lists_folders_and_the_files_an_adapter_reads(client: TestClient, workspace: Path) -> None:
    data = workspace / "data"
    (data / "notes.md").write_text("not data", encoding="utf-8")
    (data / ".hidden.csv").write_bytes(CSV)
    (data / "二月").mkdir()
    response = client.get("/api/files")
    assert response.status_code == 200, response.text
    listing = response.json()
    assert (listing["dir"], listing["parent"]) == ("", None)
    assert [f["name"] for f in listing["folders"]] == ["二月"]
    files = {f["name"]: f for f in listing["files"]}
    assert list(files) == ["customers.csv", "regions.xlsx", "sales.csv"]
    assert files["sales.csv"]["path"] == "sales.csv"
    assert files["sales.csv"]["size"] == (data / "sales.csv").stat().st_size
    assert files["sales.csv"]["source_module"] == "read_csv"
    assert files["regions.xlsx"]["source_module"] == "read_excel"
    assert files["sales.csv"]["modified"].endswith("Z")
    assert listing["left_out"] == 3  # warehouse.sqlite (read_sql takes a URL), notes.md, the hidden file


def test_a_module_keeps_the_files_of_its_format_and_a_subfolder_names_its_parent(
    client: TestClient, workspace: Path
) -> None:
    folder = workspace / "data" / "uploads" / "二月"
    folder.mkdir(parents=True)
    (folder / "销售.csv").write_bytes(CSV)
    (folder / "regions.xlsx").write_bytes(b"xlsx")
    listing = client.get("/api/files", params={"dir": "uploads/二月", "module": "read_csv"}).json()
    assert (listing["dir"], listing["parent"]) == ("uploads/二月", "uploads")
    assert [(f["name"], f["path"]) for f in listing["files"]] == [("销售.csv", "uploads/二月/销售.csv")]
    assert listing["left_out"] == 1
    everything = client.get("/api/files", params={"dir": "uploads/二月", "module": "read_file"}).json()
    assert [f["name"] for f in everything["files"]] == ["regions.xlsx", "销售.csv"]
    sinks = client.get("/api/files", params={"dir": "uploads/二月", "module": "write_excel"}).json()
    assert [f["name"] for f in sinks["files"]] == ["regions.xlsx"]
    up = client.get("/api/files", params={"dir": "uploads"}).json()
    assert [(f["name"], f["path"]) for f in up["folders"]] == [("二月", "uploads/二月")]
    assert up["parent"] == ""


@pytest.mark.parametrize(
    ("folder", "message"),
    [
        ("..", "dir: '..' resolves outside the data root"),
        ("uploads/../..", "dir: 'uploads/../..' resolves outside the data root"),
        ("/etc", "dir: '/etc' resolves outside the data root"),
        ("~", "dir: '~' resolves outside the data root"),
        ("C:\\data", "dir: 'C:\\data' is a Windows path; use forward slashes relative to the data root"),
    ],
)
def test_folders_outside_the_data_root_are_refused(client: TestClient, folder: str, message: str) -> None:
    response = client.get("/api/files", params={"dir": folder})
    assert response.status_code == 400
    assert response.json()["error"].startswith(message)


def test_a_symlink_out_of_the_data_root_is_refused_and_never_listed(
    client: TestClient, workspace: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.csv").write_bytes(CSV)
    os.symlink(outside, workspace / "data" / "escape")
    os.symlink(outside / "secret.csv", workspace / "data" / "secret.csv")
    response = client.get("/api/files", params={"dir": "escape"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("dir: 'escape' resolves outside the data root")
    listing = client.get("/api/files").json()
    names = [e["name"] for e in listing["folders"] + listing["files"]]
    assert "escape" not in names and "secret.csv" not in names


def test_a_missing_folder_is_404_and_a_file_is_400(client: TestClient) -> None:
    missing = client.get("/api/files", params={"dir": "nowhere"})
    assert missing.status_code == 404
    assert missing.json()["error"] == "dir: no folder 'nowhere' under the data root; pick one the listing offers"
    file = client.get("/api/files", params={"dir": "sales.csv"})
    assert file.status_code == 400
    assert file.json()["error"] == "dir: 'sales.csv' is a file, not a folder; list the folder it is in"


def test_a_module_without_a_file_path_is_refused(client: TestClient) -> None:
    transform = client.get("/api/files", params={"module": "filter_rows"})
    assert transform.status_code == 400
    assert transform.json()["error"] == (
        "module: 'filter_rows' takes no file path; name a source or sink that reads or writes files"
    )
    assert client.get("/api/files", params={"module": "read_sql"}).status_code == 400
    unknown = client.get("/api/files", params={"module": "read_cvs"})
    assert unknown.status_code == 400
    assert "did you mean 'read_csv'" in unknown.json()["error"]


def test_an_upload_lands_in_the_folder_being_browsed(client: TestClient, workspace: Path) -> None:
    (workspace / "data" / "inbox" / "二月").mkdir(parents=True)
    response = client.post("/api/upload", params={"name": "销售.csv", "folder": "inbox/二月"}, content=CSV)
    assert response.status_code == 200, response.text
    assert response.json()["path"] == "inbox/二月/销售.csv"
    assert (workspace / "data" / "inbox" / "二月" / "销售.csv").read_bytes() == CSV
    root = client.post("/api/upload", params={"name": "top.csv", "folder": ""}, content=CSV)
    assert root.json()["path"] == "top.csv"
    listing = client.get("/api/files", params={"dir": "inbox/二月"}).json()
    assert [f["path"] for f in listing["files"]] == ["inbox/二月/销售.csv"]


@pytest.mark.parametrize(
    ("folder", "status", "message"),
    [
        ("..", 400, "folder: '..' resolves outside the data root"),
        ("/tmp", 400, "folder: '/tmp' resolves outside the data root"),
        ("new_folder", 404, "folder: no folder 'new_folder' under the data root"),
        ("sales.csv", 400, "folder: 'sales.csv' is a file, not a folder"),
    ],
)
def test_an_upload_folder_outside_the_root_or_missing_is_refused(
    client: TestClient, workspace: Path, folder: str, status: int, message: str
) -> None:
    response = client.post("/api/upload", params={"name": "x.csv", "folder": folder}, content=CSV)
    assert response.status_code == status
    assert response.json()["error"].startswith(message)
    assert not (workspace / "data" / "new_folder").exists()
