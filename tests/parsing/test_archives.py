"""Multi-file specs from zip, tar.gz and folders: relative refs resolved, root found, unsafe archives refused."""

from __future__ import annotations

import io
import tarfile
import zipfile

import pytest

from src.core.config import Settings
from src.core.errors import InputRejected, SpecError
from src.rag.parsing import inspect_bytes, parse_bytes, parse_path

ROOT = """openapi: 3.0.3
info: {title: Split API, version: "1.2"}
servers: [{url: "https://api.split.test/v1"}]
paths:
  /pets:
    $ref: "paths/pets.yaml"
  /pets/{id}:
    get:
      $ref: "operations/get_pet.yaml"
components:
  schemas:
    Pet:
      $ref: "models/pet.yaml"
"""
PETS = """get:
  summary: List pets
  responses:
    "200":
      description: ok
      content:
        application/json:
          schema: {type: array, items: {$ref: "../models/pet.yaml"}}
post:
  summary: Add a pet
  requestBody:
    content:
      application/json:
        schema: {$ref: "../models/pet.yaml"}
  responses: {"201": {description: created}}
"""
GET_PET = """summary: Get a pet
parameters:
  - {name: id, in: path, required: true, schema: {type: string}}
responses:
  "200": {description: ok, content: {application/json: {schema: {$ref: "../models/pet.yaml#/"}}}}
"""
PET = """type: object
required: [name]
properties:
  name: {type: string, example: Rex}
  owner: {$ref: "owner.yaml"}
"""
OWNER = "type: object\nproperties:\n  email: {type: string, format: email}\n"
FILES = {"spec/openapi.yaml": ROOT, "spec/paths/pets.yaml": PETS, "spec/operations/get_pet.yaml": GET_PET,
         "spec/models/pet.yaml": PET, "spec/models/owner.yaml": OWNER}


def make_zip(files: dict[str, str]) -> bytes:
    """Build a zip archive in memory."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()


def make_tar(files: dict[str, str], extra: list[tarfile.TarInfo] = ()) -> bytes:
    """Build a tar.gz archive in memory, with optional special members."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        for info in extra:
            tf.addfile(info)
    return buf.getvalue()


def check_split_spec(spec) -> None:
    """Assert the split example was resolved across files."""
    assert spec.title == "Split API" and spec.servers == ("https://api.split.test/v1",)
    assert sorted(o.key for o in spec.operations) == ["GET /pets", "GET /pets/{id}", "POST /pets"]
    post = spec.operation("POST /pets")
    assert {f.name for f in post.request_body.fields} == {"name", "owner", "owner.email"}
    assert post.request_body.schema_name == "pet" and post.request_body.example == {"name": "Rex"}
    assert spec.operation("GET /pets/{id}").parameters[0].name == "id"
    assert spec.operation("GET /pets").pointer == "#/paths/~1pets/get"
    assert [s.name for s in spec.schemas] == ["Pet"] and spec.schemas[0].pointer == "#/components/schemas/Pet"
    assert not any("could not be resolved" in w for w in spec.warnings), spec.warnings


def test_zip_with_relative_refs_resolves_across_files():
    spec = parse_bytes("split.zip", make_zip(FILES))
    check_split_spec(spec)
    assert spec.source_name == "split.zip"


def test_tar_gz_and_explicit_root():
    data = make_tar(FILES)
    check_split_spec(parse_bytes("split.tar.gz", data))
    check_split_spec(parse_bytes("upload.bin", data, root="spec/openapi.yaml"))


def test_folder_with_relative_refs(tmp_path):
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    check_split_spec(parse_path(tmp_path / "spec"))
    check_split_spec(parse_path(tmp_path, root="openapi.yaml"))


def test_unknown_root_is_a_clear_error():
    with pytest.raises(SpecError) as err:
        parse_bytes("split.zip", make_zip(FILES), root="nope.yaml")
    assert "nope.yaml" in str(err.value)


def test_two_independent_specs_ask_for_a_root():
    files = {"a.yaml": ROOT.replace("Split", "A"), "b.yaml": ROOT.replace("Split", "B")}
    with pytest.raises(SpecError) as err:
        parse_bytes("two.zip", make_zip(files))
    assert "root" in str(err.value)
    assert parse_bytes("two.zip", make_zip(files), root="b.yaml").title == "B API"


def test_missing_referenced_file_is_a_warning_not_a_failure():
    files = {k: v for k, v in FILES.items() if not k.endswith("owner.yaml")}
    spec = parse_bytes("partial.zip", make_zip(files))
    assert len(spec.operations) == 3
    assert any("could not be resolved" in w and "owner.yaml" in w for w in spec.warnings)


@pytest.mark.parametrize("member", ["../evil.yaml", "spec/../../evil.yaml", "/etc/passwd", "C:/evil.yaml"])
def test_zip_with_escaping_members_is_refused(member):
    with pytest.raises(InputRejected) as err:
        parse_bytes("evil.zip", make_zip({**FILES, member: "x: 1"}))
    assert "outside the archive" in str(err.value)


def test_tar_with_escaping_member_is_refused():
    with pytest.raises(InputRejected):
        parse_bytes("evil.tar.gz", make_tar({**FILES, "../evil.yaml": "x: 1"}))


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE])
def test_tar_with_link_members_is_refused(kind):
    link = tarfile.TarInfo("spec/models/link.yaml")
    link.type, link.linkname = kind, "/etc/passwd"
    with pytest.raises(InputRejected) as err:
        parse_bytes("links.tar.gz", make_tar(FILES, [link]))
    assert "link" in str(err.value)


def test_zip_with_symlink_member_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("spec/link.yaml")
        info.external_attr = (0o120777 << 16)
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(InputRejected):
        parse_bytes("link.zip", buf.getvalue())


def test_member_count_limit():
    files = {f"spec/m{i}.yaml": "x: 1" for i in range(30)} | FILES
    with pytest.raises(InputRejected) as err:
        parse_bytes("many.zip", make_zip(files), settings=Settings(max_archive_members=10))
    assert "more than 10 files" in str(err.value)


def test_archive_size_limit_stops_a_decompression_bomb():
    bomb = make_tar({"spec/openapi.yaml": ROOT, "spec/pad.yaml": "#" * (3 * 1024 * 1024)})
    assert len(bomb) < 100_000
    with pytest.raises(InputRejected) as err:
        parse_bytes("bomb.tar.gz", bomb, settings=Settings(max_archive_mb=1))
    assert "unpacks to more than" in str(err.value)


def test_damaged_archive_is_a_spec_error():
    report = inspect_bytes("broken.zip", make_zip(FILES)[:200])
    assert not report.ok and report.error.startswith("broken.zip:")
    assert "unexpected internal error" not in report.error


def test_inspect_path_reports_missing_files_and_folders(tmp_path):
    from src.rag.parsing import inspect_path

    missing = inspect_path(tmp_path / "nope.yaml")
    assert not missing.ok and "does not exist" in missing.error
    (tmp_path / "spec").mkdir()
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    folder = inspect_path(tmp_path / "spec")
    assert folder.ok and folder.operations == 3 and folder.title == "Split API"
