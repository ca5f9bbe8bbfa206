"""Retrieval behaviour on a small real index: exact matches, de-duplication, filters, incremental indexing, caches."""

from __future__ import annotations

import json

import pytest

from src.core.config import Settings
from src.rag.retrieval import SearchFilters, endpoint_family
from src.rag.service import Assistant
from src.rag.types import ChunkKind


def shop_spec(version: str = "1.0.0", extra_ops: dict | None = None, refund_summary: str = "Create a refund") -> bytes:
    """Build a small OpenAPI 3.0 spec with near-duplicate list endpoints and a deprecated call."""
    paths = {
        "/v1/refunds": {"post": {"operationId": "createRefund", "summary": refund_summary, "tags": ["refunds"],
                                 "requestBody": {"content": {"application/json": {"schema": {"type": "object",
                                     "properties": {"charge": {"type": "string"}}}}}},
                                 "responses": {"200": {"description": "The refund"}}},
                        "get": {"operationId": "listRefunds", "summary": "List refunds", "tags": ["refunds"],
                                "responses": {"200": {"description": "ok"}}}},
        "/v1/orders": {"get": {"operationId": "listOrders", "summary": "List orders", "tags": ["orders"],
                               "responses": {"200": {"description": "ok"}}},
                       "post": {"operationId": "createOrder", "summary": "Create an order", "tags": ["orders"],
                                "responses": {"201": {"description": "created"}}}},
        "/v1/orders/{id}": {"get": {"operationId": "getOrder", "summary": "Retrieve an order", "tags": ["orders"],
                                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                                    "responses": {"200": {"description": "ok"}}}},
        "/v1/orders/{id}/items": {"get": {"operationId": "listOrderItems", "summary": "List the items of an order",
                                          "tags": ["orders"],
                                          "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                                          "responses": {"200": {"description": "ok"}}}},
        "/v1/orders/{id}/items/{item}": {"get": {"operationId": "getOrderItem", "summary": "Retrieve one item of an order",
                                                 "tags": ["orders"], "parameters": [
                                                     {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                                                     {"name": "item", "in": "path", "required": True, "schema": {"type": "string"}}],
                                                 "responses": {"200": {"description": "ok"}}}},
        "/v1/orders/{id}/cancel": {"post": {"operationId": "cancelOrder", "summary": "Cancel an order", "tags": ["orders"],
                                            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                                            "responses": {"200": {"description": "ok"}}}},
        "/v1/order_cancellations": {"post": {"operationId": "legacyCancelOrder", "summary": "Cancel an order (legacy)",
                                             "deprecated": True, "tags": ["orders"],
                                             "responses": {"200": {"description": "ok"}}}},
        "/v1/customers": {"post": {"operationId": "createCustomer", "summary": "Create a customer", "tags": ["customers"],
                                   "responses": {"200": {"description": "ok"}}}},
    }
    paths.update(extra_ops or {})
    doc = {"openapi": "3.0.3", "info": {"title": "Shop API", "version": version},
           "servers": [{"url": "https://shop.example.com"}], "paths": paths,
           "components": {"schemas": {"Order": {"type": "object", "properties": {"id": {"type": "string"}}}}}}
    return json.dumps(doc).encode()


@pytest.fixture
def shop(settings):
    assistant = Assistant(settings)
    report = assistant.index_upload("shop.json", shop_spec())
    assert report.ok, report.error
    return assistant


def keys(hits):
    return [f"{h.method} {h.path}" for h in hits if h.method]


def test_exact_path_typed_by_user_goes_first(shop):
    hits = shop.search("what does GET /v1/orders/{order}/items/{x} return", top_k=5)
    assert keys(hits)[0] == "GET /v1/orders/{id}/items/{item}"  # parameter names ignored
    assert keys(shop.search("how do I use getOrder?", top_k=5))[0] == "GET /v1/orders/{id}"


def test_exact_schema_name_goes_first(shop):
    hits = shop.search("explain the `Order` schema", top_k=3)
    assert hits[0].kind == ChunkKind.SCHEMA and hits[0].title == "Schema Order"


def test_near_duplicates_of_one_resource_do_not_crowd_the_top(shop):
    hits = shop.search("get order items", top_k=4)
    families = [endpoint_family(h.api, h.path) for h in hits if h.path]
    assert max(families.count(f) for f in families) <= 2
    assert endpoint_family("a", "/v1/charges/{c}/refunds/{r}") == endpoint_family("a", "/v1/charges/{x}/refund")


def test_deprecated_operation_ranks_below_its_replacement(shop):
    ranked = keys(shop.search("cancel an order", top_k=12))
    assert ranked.index("POST /v1/orders/{id}/cancel") == 0
    assert ranked.index("POST /v1/order_cancellations") > ranked.index("POST /v1/orders/{id}/cancel")


def test_multi_step_question_covers_every_step(shop):
    ranked = keys(shop.search("list my orders, cancel the newest one and then refund it", top_k=5))
    assert {"GET /v1/orders", "POST /v1/orders/{id}/cancel", "POST /v1/refunds"} <= set(ranked)


def test_filters_by_method_kind_tag_and_api(shop):
    assert {h.method for h in shop.search("orders", top_k=5, filters=SearchFilters(methods=("POST",)))} == {"POST"}
    assert {h.kind for h in shop.search("order", top_k=3, filters=SearchFilters(kinds=(ChunkKind.SCHEMA,)))} == {ChunkKind.SCHEMA}
    tagged = shop.search("create", top_k=5, filters=SearchFilters(tags=("customers",)))
    assert keys(tagged) == ["POST /v1/customers"]
    assert shop.search("orders", top_k=5, filters=SearchFilters(apis=("nope@1",))) == []


def test_latest_only_filter(shop):
    assert shop.index_upload("shop2.json", shop_spec(version="2.0.0")).ok
    apis = {h.api for h in shop.search("list orders", top_k=10)}
    assert apis == {"shop-api@1.0.0", "shop-api@2.0.0"}
    assert {h.api for h in shop.search("list orders", top_k=10, latest_only=True)} == {"shop-api@2.0.0"}


def test_changed_spec_reembeds_only_changed_chunks_and_drops_removed(shop):
    shop.embedder.encoded_texts = 0
    changed = json.loads(shop_spec(refund_summary="Refund a charge fully or partly"))
    del changed["paths"]["/v1/customers"]
    report = shop.index_upload("shop.json", json.dumps(changed).encode())
    assert report.ok and not report.unchanged
    # the refund operation changed; the overview changed (operation count); nothing else is re-embedded
    assert shop.embedder.encoded_texts == report.embedded == 2
    ids = set(shop.store.hashes(report.api))
    assert not any("POST /v1/customers" in i for i in ids) and len(ids) == report.chunks


def test_unchanged_reupload_does_not_load_the_model(settings, tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    spec = tmp_path / "shop.json"
    spec.write_bytes(shop_spec())
    assert Assistant(settings).index_path(spec).ok
    renamed = tmp_path / "renamed.json"
    renamed.write_bytes(shop_spec())
    # a model path that cannot load: the command succeeds only if it never tries
    env = os.environ | {"APIASSIST_EMBEDDING_MODEL": str(tmp_path / "no-model"), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-m", "app.cli", "--data-dir", str(settings.data_dir), "index", str(renamed)],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "(unchanged)" in proc.stdout


def test_files_sharing_title_and_version_get_their_own_ids(shop):
    other = json.loads(shop_spec())
    other["paths"] = {"/v2/widgets": {"get": {"summary": "List widgets", "responses": {"200": {"description": "ok"}}}}}
    report = shop.index_upload("shop_v2.json", json.dumps(other).encode())
    assert report.ok and report.api == "shop-api@1.0.0~shop-v2"
    assert {a.api for a in shop.list_apis()} == {"shop-api@1.0.0", "shop-api@1.0.0~shop-v2"}
    assert shop.get_api("shop-api@1.0.0").operations == 10  # the first file was not replaced
    again = shop.index_upload("shop_v2.json", json.dumps(other | {"x-note": "changed"}).encode())
    assert again.ok and again.api == report.api  # the same file keeps its id when it changes


def test_folder_index_is_reproducible(settings, tmp_path):
    folder = tmp_path / "spec"
    folder.mkdir()
    (folder / "openapi.json").write_bytes(shop_spec())
    assistant = Assistant(settings)
    assert assistant.index_path(folder).ok
    version = assistant.library.version()
    second = assistant.index_path(folder)
    assert second.ok and second.unchanged and assistant.library.version() == version


def test_failed_ingest_leaves_library_as_it_was(shop):
    before = (shop.store.count(), [a.api for a in shop.list_apis()], shop.library.version())
    report = shop.index_upload("broken.json", b'{"openapi": "3.0.0", "paths": {')
    assert not report.ok and report.error.startswith("broken.json")
    assert (shop.store.count(), [a.api for a in shop.list_apis()], shop.library.version()) == before


def test_keyword_index_is_built_once_per_library_version(shop):
    shop.search("orders", top_k=3)
    builds = shop.search_index.builds
    for q in ["refund", "customers", "cancel order", "items"]:
        shop.search(q, top_k=3)
    assert shop.search_index.builds == builds
    shop.index_upload("shop2.json", shop_spec(version="2.0.0"))
    shop.search("orders", top_k=3)
    assert shop.search_index.builds == builds + 1


def test_keyword_index_survives_restart_without_rebuild(shop, settings):
    shop.search("orders", top_k=3)
    restarted = Assistant(settings)
    restarted.search("orders", top_k=3)
    assert restarted.search_index.builds == 0


def test_answer_cache_hit_miss_and_invalidation(shop):
    first = shop.ask("How do I refund a charge?")
    assert not first.cached
    again = shop.ask("how do I refund a charge")
    assert again.cached and again.text == first.text
    assert shop.answer_cache.stats.hits == 1
    other = shop.ask("How do I create a customer?")
    assert not other.cached
    shop.index_upload("shop2.json", shop_spec(version="2.0.0"))  # any index change invalidates
    assert not shop.ask("How do I refund a charge?").cached
    stats = shop.stats()["answer_cache"]
    assert stats["hits"] == 1 and stats["misses"] >= 3


def test_answer_cache_is_scoped_by_filters_and_top_k(shop):
    shop.ask("How do I refund a charge?")
    assert not shop.ask("How do I refund a charge?", top_k=2).cached
    assert not shop.ask("How do I refund a charge?", filters=SearchFilters(methods=("POST",))).cached
    assert shop.ask("How do I refund a charge?").cached
