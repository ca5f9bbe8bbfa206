"""Text a user reads never shows index internals: no stems ("movy"), no Markdown escapes, no raw links."""

from __future__ import annotations

from src.rag.generation.offline import compose_offline
from src.rag.textutil import plain, surface_word
from src.rag.types import ApiSpec, ChunkKind, Hit, Operation, Parameter, SpecFormat


def test_plain_undoes_markdown_escapes_and_keeps_link_text():
    assert plain(r"Default: 20\. Minimum: 1\. The [Spotify ID](/documentation/web-api)") == \
        "Default: 20. Minimum: 1. The Spotify ID"


def test_surface_word_gives_back_the_written_word_of_a_stem():
    assert surface_word("movy", "GET /movies List movies") == "movies"
    assert surface_word("refund", "POST /v1/refunds Create a refund") == "refund"
    assert surface_word("zzz", "nothing here") == "zzz"


def test_composer_explains_matches_with_the_words_of_the_spec_not_stems():
    op = Operation("GET", "/movies", summary="List movies", pointer="#/paths/~1movies/get",
                   parameters=(Parameter("limit", "query", description=r"Default: 20\. Minimum: 1\."),))
    spec = ApiSpec(title="Films", version="1", format=SpecFormat.OPENAPI_30, operations=(op,))
    hit = Hit(id=f"{spec.api_id}:op:GET /movies", api=spec.api_id, kind=ChunkKind.OPERATION, title="List movies",
              source=op.pointer, score=0.9, text="", method="GET", path="/movies")
    text = compose_offline("Which endpoint lists movies?", [hit], {spec.api_id: spec}).text
    assert "movy" not in text and "*movies*" in text
    assert r"20\\." not in text  # the spec's escape is not shown as a literal backslash
