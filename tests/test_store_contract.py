"""The VectorStore contract, run against the embedded ChromaDB (and a real Chroma server in tests/ops)."""

from __future__ import annotations

import pytest

from src.core.config import Settings
from src.rag.store import ChromaStore
from src.rag.types import Chunk, ChunkKind


def _chunk(api: str, key: str, text: str, h: str = "h") -> Chunk:
    meta = {"api": api, "kind": "operation", "method": "GET", "path": f"/{key}", "title": key, "source": f"#/paths/~1{key}/get",
            "tags": "", "deprecated": False, "operation_id": key, "api_title": api, "version": "1", "hash": h}
    return Chunk(f"{api}:operation:GET /{key}", api, ChunkKind.OPERATION, text, text, meta)


def _vec(i: int) -> list[float]:
    v = [0.0] * 384
    v[i % 384] = 1.0
    return v


def run_store_contract(store: ChromaStore) -> None:
    """Exercise every VectorStore method and check the results."""
    a = [_chunk("a@1", f"k{i}", f"doc {i}", h=f"h{i}") for i in range(5)]
    b = [_chunk("b@1", "x", "other")]
    store.upsert(a, [_vec(i) for i in range(5)])
    store.upsert(b, [_vec(7)])
    assert store.count() == 6 and store.count("a@1") == 5
    store.upsert(a[:1], [_vec(0)])  # upsert twice: no duplicate
    assert store.count() == 6
    assert store.hashes("a@1")[a[2].id] == "h2"
    hits = store.query(_vec(3), 2)
    assert hits[0].id == a[3].id and hits[0].distance == pytest.approx(0.0, abs=1e-5)
    assert len(hits[0].embedding) == 384
    assert [r.id for r in store.query(_vec(3), 3, where={"api": "b@1"})] == [b[0].id]
    snap = store.snapshot("a@1")
    store.delete([a[0].id, a[1].id])
    store.upsert([_chunk("a@1", "new", "new doc")], [_vec(9)])
    store.restore("a@1", snap)
    assert sorted(store.hashes("a@1")) == sorted(c.id for c in a)
    assert {r.id for r in store.iter_all()} == {c.id for c in a + b}
    got = store.get([a[4].id, "missing"], with_embeddings=True)
    assert [r.id for r in got] == [a[4].id] and got[0].document == "doc 4"


def test_embedded_chroma_store_contract(tmp_path):
    store = ChromaStore(Settings(data_dir=tmp_path))
    assert store.mode == "embedded"
    run_store_contract(store)
    assert (tmp_path / "chroma").is_dir()


def test_persists_across_instances(tmp_path):
    ChromaStore(Settings(data_dir=tmp_path)).upsert([_chunk("a@1", "k", "doc")], [_vec(1)])
    assert ChromaStore(Settings(data_dir=tmp_path)).count() == 1


def test_unreachable_server_is_one_sentence(tmp_path):
    from src.core.errors import StoreError

    store = ChromaStore(Settings(data_dir=tmp_path, chroma_host="127.0.0.1", chroma_port=9))
    with pytest.raises(StoreError) as err:
        store.count()
    assert "127.0.0.1:9" in str(err.value) and "\n" not in str(err.value)
