"""Streamlit entry point: page setup and navigation; the pages live in app/pages/."""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run app/main.py` puts app/ on sys.path; the repository root is the import root.
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402


# A file of our own: a Material icon name would make every page view fetch it from Google's font servers,
# which an offline or firewalled deployment cannot reach.
st.set_page_config(page_title="API Integration Assistant", page_icon=str(Path(__file__).with_name("favicon.png")),
                   layout="wide")

PAGES = [
    st.Page("pages/chat.py", title="Chat", icon=":material/chat:", default=True),
    st.Page("pages/library.py", title="Library", icon=":material/menu_book:", url_path="library"),
    st.Page("pages/explorer.py", title="Explorer", icon=":material/explore:", url_path="explorer"),
    st.Page("pages/insights.py", title="Insights", icon=":material/insights:", url_path="insights"),
    st.Page("pages/settings.py", title="Settings", icon=":material/settings:", url_path="settings"),
]


# Each page starts with app.views.common.frame() (identity, model status, account), so a page
# renders the same whether it runs under this entry point or on its own.
st.navigation(PAGES).run()
