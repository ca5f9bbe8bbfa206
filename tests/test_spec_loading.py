"""Specs are loaded per API on demand: verification reads compact reference files, answers a bounded LRU of specs."""

from __future__ import annotations

import json
import shutil

import pytest

from src.core.config import Settings
from src.rag.service import Assistant


def small_spec(title: str, n: int) -> bytes:
    """A tiny OpenAPI spec with `n` operations."""
    paths = {f"/{title.lower()}/{i}": {"get": {"summary": f"Read {title} item {i}", "responses": {"200": {"description": "ok"}}}}
             for i in range(n)}
    return json.dumps({"openapi": "3.0.0", "info": {"title": title, "version": "1"}, "paths": paths}).encode()


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    """Index two tiny APIs once; returns (data dir, api ids)."""
    data = tmp_path_factory.mktemp("specs")
    assistant = Assistant(Settings(data_dir=data, llm_provider="offline"))
    apis = []
    for title, n in (("Alpha", 3), ("Beta", 40)):
        report = assistant.index_upload(f"{title.lower()}.json", small_spec(title, n))
        assert report.ok, report.error
        apis.append(report.api)
    return data, apis


@pytest.fixture
def library_copy(indexed, tmp_path):
    """A copy of the indexed data dir the test may damage; returns (copy, api ids)."""
    data, apis = indexed
    copy = tmp_path / "copy"
    shutil.copytree(data, copy)
    return copy, apis


def fresh(data, **settings) -> Assistant:
    """A new Assistant (empty caches) on the indexed data dir."""
    return Assistant(Settings(data_dir=data, llm_provider="offline", **settings))


def test_each_api_stores_a_compact_reference_index(indexed):
    data, (alpha, beta) = indexed
    refs = json.loads((data / "originals" / beta / "refs.json").read_text())
    assert len(refs["keys"]) == 40 and "GET /beta/0" in refs["keys"] and "#/paths/~1beta~10/get" in refs["pointers"]
    assert (data / "originals" / beta / "refs.json").stat().st_size < (data / "originals" / beta / "spec.json").stat().st_size


def test_verification_references_never_load_whole_specs(library_copy):
    copy, (alpha, beta) = library_copy
    for api in (alpha, beta):
        (copy / "originals" / api / "spec.json").unlink()  # only the reference index is left to read
    keys, pointers = fresh(copy).known_references()
    assert {"GET /alpha/0", "GET /beta/39"} <= keys and "#/paths/~1alpha~12/get" in pointers


def test_a_library_without_reference_files_builds_them_from_the_spec(library_copy):
    copy, (alpha, _) = library_copy
    (copy / "originals" / alpha / "refs.json").unlink()
    keys, _ = fresh(copy).known_references()
    assert "GET /alpha/1" in keys and (copy / "originals" / alpha / "refs.json").exists()


def test_the_spec_cache_is_bounded_by_stored_size(library_copy):
    copy, (alpha, beta) = library_copy
    alpha_size = (copy / "originals" / alpha / "spec.json").stat().st_size
    beta_size = (copy / "originals" / beta / "spec.json").stat().st_size
    assert beta_size > alpha_size
    # room for Beta alone: loading Beta evicts Alpha, so Alpha is read from disk again
    small = fresh(copy, spec_cache_mb=(beta_size + alpha_size // 2) / (1024 * 1024))
    assert small.get_spec(alpha).title == "Alpha"
    assert len(small.get_spec(beta).operations) == 40
    (copy / "originals" / alpha / "spec.json").rename(copy / "alpha.json")
    with pytest.raises(FileNotFoundError):
        small.get_spec(alpha)
    (copy / "alpha.json").rename(copy / "originals" / alpha / "spec.json")
    # a roomy cache keeps both: the second read needs no file
    roomy = fresh(copy)
    roomy.get_spec(alpha), roomy.get_spec(beta)
    (copy / "originals" / alpha / "spec.json").unlink()
    assert roomy.get_spec(alpha).title == "Alpha"


def test_a_spec_larger_than_the_cache_is_served_but_not_kept(library_copy):
    copy, (_, beta) = library_copy
    tiny = fresh(copy, spec_cache_mb=0.000001)
    assert len(tiny.get_spec(beta).operations) == 40
    (copy / "originals" / beta / "spec.json").unlink()
    with pytest.raises(FileNotFoundError):
        tiny.get_spec(beta)
