"""Try it: send an operation's request, either to the built-in mock (answers from the spec) or live to the
spec's own servers behind an address guard. No Streamlit here; app/views/tryit.py renders it."""

from src.rag.tryit.draft import RequestDraft, draft_request
from src.rag.tryit.live import send_live
from src.rag.tryit.mock import mock_response
from src.rag.tryit.model import TryResponse
from src.rag.tryit.schema_example import load_document

__all__ = ["RequestDraft", "TryResponse", "draft_request", "load_document", "mock_response", "send_live"]
