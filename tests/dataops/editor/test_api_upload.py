"""POST /api/upload: streamed into uploads/, names sanitised, size limited."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from dataops.editor.api_upload import safe_file_name
from dataops.editor.http import ApiError

CSV = "城市,销售额\n上海,120\n北京,80\n".encode()


def test_a_csv_lands_in_uploads_and_names_its_source_module(client: TestClient, workspace: Path) -> None:
    response = client.post("/api/upload?name=销售.csv", content=CSV)
    assert response.status_code == 200
    assert response.json() == {"path": "uploads/销售.csv", "size": len(CSV), "source_module": "read_csv"}
    assert (workspace / "data" / "uploads" / "销售.csv").read_bytes() == CSV


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("../../etc/passwd.csv", "passwd.csv"),
        ("..\\..\\windows\\evil.csv", "evil.csv"),
        ("/abs/path/data.csv", "data.csv"),
        ("..hidden.csv", "hidden.csv"),
        ("re\x00port\x1b.csv", "report.csv"),
        ("销售 2026.xlsx", "销售 2026.xlsx"),
        ('a<b>:"c|d?.csv', "a_b___c_d_.csv"),
    ],
)
def test_upload_names_are_confined_to_uploads(client: TestClient, workspace: Path, given: str, stored: str) -> None:
    response = client.post("/api/upload", params={"name": given}, content=CSV)
    assert response.status_code == 200, response.text
    assert response.json()["path"] == f"uploads/{stored}"
    assert (workspace / "data" / "uploads" / stored).exists()
    assert [p.name for p in (workspace / "data" / "uploads").iterdir()] == [stored]


@pytest.mark.parametrize("name", ["..", "../", "...", "\x00\x01", " / "])
def test_names_with_nothing_left_are_refused(name: str) -> None:
    with pytest.raises(ApiError, match="not a usable file name"):
        safe_file_name(name)


def test_long_names_are_cut_keeping_the_extension() -> None:
    name = safe_file_name("销" * 300 + ".csv")
    assert name.endswith(".csv") and len(name.encode()) <= 200


def test_an_oversized_upload_is_413_and_leaves_nothing(client: TestClient, workspace: Path) -> None:
    big = b"x" * (1024 * 1024 + 1)  # the test settings allow 1 MiB
    response = client.post("/api/upload?name=big.csv", content=big)
    assert response.status_code == 413
    assert "upload limit of 1 MiB" in response.json()["error"]
    assert not (workspace / "data" / "uploads" / "big.csv").exists()


def test_an_oversized_streamed_upload_is_413_too(client: TestClient, workspace: Path) -> None:
    def chunks():
        for _ in range(20):
            yield b"y" * 65536

    response = client.post("/api/upload?name=stream.csv", content=chunks())
    assert response.status_code == 413
    uploads = workspace / "data" / "uploads"
    assert not uploads.exists() or not list(uploads.iterdir())


def test_an_empty_upload_or_missing_name_is_400(client: TestClient) -> None:
    assert client.post("/api/upload?name=a.csv", content=b"").status_code == 400
    missing = client.post("/api/upload", content=CSV)
    assert missing.status_code == 400
    assert "name" in missing.json()["error"]


def test_an_unknown_file_type_is_stored_without_a_source_module(client: TestClient) -> None:
    assert client.post("/api/upload?name=notes.xyz", content=b"hello").json()["source_module"] is None


def test_an_upload_onto_a_folder_is_409_naming_it(client: TestClient, workspace: Path) -> None:
    (workspace / "data" / "uploads" / "sales.csv").mkdir(parents=True)
    response = client.post("/api/upload?name=sales.csv", content=CSV)
    assert response.status_code == 409
    assert response.json() == {
        "error": "'uploads/sales.csv' is a folder under the data root; rename the file and upload it again"
    }
    assert [p.name for p in (workspace / "data" / "uploads").iterdir()] == ["sales.csv"]  # no temporary left


def test_an_upload_when_uploads_is_a_file_is_409(client: TestClient, workspace: Path) -> None:
    (workspace / "data" / "uploads").write_text("not a folder", encoding="utf-8")
    response = client.post("/api/upload?name=sales.csv", content=CSV)
    assert response.status_code == 409
    assert "'uploads' under the data root is a file, not a folder" in response.json()["error"]
