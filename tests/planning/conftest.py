"""One real Assistant (ChromaDB in a temp dir, the bundled model) with the crafted music API indexed."""

from __future__ import annotations

import pytest

from tests.codegen.conftest import stand_in_api  # noqa: F401 - the loopback stand-in API the chains run against
from tests.planning.music_spec import music_spec_bytes


@pytest.fixture(scope="module")
def music(tmp_path_factory):
    """Return an Assistant whose library holds the Tune API, and the API id."""
    from src.core.config import Settings
    from src.rag.service import Assistant

    assistant = Assistant(Settings(data_dir=tmp_path_factory.mktemp("music") / "data", llm_provider="offline"))
    report = assistant.index_upload("tune.json", music_spec_bytes())
    assert report.ok, report.error
    return assistant, report.api
