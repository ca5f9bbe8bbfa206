"""Settings: this session's provider, model, temperature and top-k; health of the store, model and providers."""

from __future__ import annotations

import streamlit as st

from app import state
from app.views.common import frame, show_error
from app.views.safe import plain
from src.core.config import LLMProviderKind

PROVIDER_HELP = {
    LLMProviderKind.OFFLINE.value: "No language model: answers are composed from your specs alone.",
    LLMProviderKind.OPENAI.value: "An OpenAI-compatible server: OpenAI itself, vLLM, llama.cpp, LM Studio… "
                                  "Give its base URL and key below (or set them on the server).",
    LLMProviderKind.OLLAMA.value: "An Ollama server: give its base URL below (or set APIASSIST_LLM_BASE_URL).",
}


def preferences() -> None:
    """Let the user choose provider, model, temperature and top-k for this session; saved on submit."""
    base, chosen = state.settings(), state.prefs()
    kinds = [k.value for k in LLMProviderKind]
    with st.form("session_settings"):
        provider = st.selectbox("Provider", kinds, index=kinds.index(chosen.get("provider") or base.llm_provider.value),
                                format_func=lambda k: k.capitalize(), help="Falls back to offline when unreachable.")
        st.caption(plain(PROVIDER_HELP[provider]))
        model = st.text_input("Model", value=chosen.get("model") or base.llm_model,
                              placeholder="e.g. gpt-4o-mini or llama3.1", max_chars=200)
        base_url = st.text_input("Base URL", value=chosen.get("base_url") or base.llm_base_url,
                                 placeholder="https://api.openai.com/v1 or http://localhost:11434", max_chars=500,
                                 help="Where the provider's API lives; nothing is sent anywhere until this is set.")
        key = st.text_input("API key", type="password", value=st.session_state.get(state.SESSION_KEY, ""),
                            placeholder="kept for this browser session only" if not base.llm_api_key.get_secret_value()
                            else "the server's key is used unless you give one", autocomplete="off",
                            help="Held in memory for this session; never saved or logged.")
        saved_t = chosen.get("temperature")
        temperature = st.slider("Temperature", 0.0, 2.0, float(base.llm_temperature if saved_t is None else saved_t), 0.05)
        top_k = st.slider("Sources per answer (top-k)", 1, 20, int(chosen.get("top_k") or base.top_k))
        if st.form_submit_button("Save for this session", type="primary"):
            _save(provider, model, temperature, top_k, base_url, key)
    problem = state.provider_problem(state.session_settings())
    if problem:
        st.warning(plain(problem), icon=":material/link_off:")
    if st.button("Reset to server defaults", key="reset_prefs"):
        state.save_prefs(provider=None, model=None, temperature=None, top_k=None, base_url=None)
        st.session_state.pop(state.SESSION_KEY, None)
        st.rerun()


def _save(provider: str, model: str, temperature: float, top_k: int, base_url: str, key: str) -> None:
    url = base_url.strip().rstrip("/")
    if url and not url.lower().startswith(("http://", "https://")):
        st.error("The base URL must start with http:// or https://; nothing was saved.")
        return
    state.save_prefs(provider=provider, model=model.strip(), temperature=temperature, top_k=top_k, base_url=url)
    st.session_state[state.SESSION_KEY] = key.strip()
    st.success("Saved: the next answer uses these settings.")


def health() -> None:
    """Show ChromaDB, the embedding model and every provider with its circuit breaker."""
    st.subheader("Health")
    try:
        report = state.assistant().health()
    except Exception as err:  # one sentence, never a traceback
        show_error(err, "checking health")
        return
    store, model = report["store"], report["embedding"]
    ok = ":green[:material/check_circle:]" if store.get("ok") else ":red[:material/cancel:]"
    st.markdown(f"{ok} **ChromaDB** ({plain(store.get('mode', ''))})")
    st.caption(f"{store.get('chunks', 0)} chunks · answered in {store.get('ms', '—')} ms"
               if store.get("ok") else plain(store.get("error", "unreachable")))
    loaded = model.get("loaded")
    icon = ":green[:material/check_circle:]" if loaded else ":orange[:material/hourglass_top:]"
    st.markdown(f"{icon} **Embedding model**")
    # Name the model, not its install path (which says nothing useful and exposes the server's layout).
    name = state.settings().embedding_model or "bundled all-MiniLM-L6-v2"
    st.caption(("loaded · " if loaded else "loading in the background · ") + plain(name))
    st.markdown("**LLM providers**")
    rows = [{k: v for k, v in p.items() if not isinstance(v, (dict, list))} for p in report["providers"]]
    st.dataframe(rows, hide_index=True)
    try:
        router = state.router()
    except Exception as err:  # one sentence, never a traceback
        show_error(err, "preparing this session's provider")
        return
    if router is not None:
        st.caption("This session's choice:")
        st.dataframe([{k: v for k, v in p.items() if not isinstance(v, (dict, list))} for p in router.health()],
                     hide_index=True)


def page() -> None:
    """Render the settings page."""
    frame()
    st.title("Settings")
    st.caption("These choices apply to your session only and are remembered for it.")
    left, right = st.columns([3, 2], gap="large")
    with left:
        preferences()
    with right:
        health()


page()
