# Two entry points: `make run` (install + start the app) and `make test` (install + run every test).
# Installs run only when pyproject.toml, requirements-dev.lock or requirements-nodeps.txt changed (a stamp file).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501
STAMP := $(VENV)/.installed
TORCH_VERSION := 2.13.0
# The CPU wheel index; machines with an NVIDIA GPU (nvidia-smi on PATH) get the default CUDA build instead.
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu

.PHONY: install run test lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml requirements-dev.lock requirements-nodeps.txt | $(BIN)/python
	# torch first, as the CPU build unless a GPU is present, so nothing later can pull a CUDA build
	TORCH_CPU_INDEX=$(TORCH_CPU_INDEX) scripts/install_torch.sh $(BIN)/pip $(TORCH_VERSION)
	$(BIN)/pip install --quiet -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -r requirements-nodeps.txt
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

lock: | $(BIN)/python
	$(BIN)/python -c "import piptools" 2>/dev/null || $(BIN)/pip install --quiet pip-tools
	PYTHON=$(BIN)/python scripts/lock.sh

run: install
	HF_HUB_OFFLINE=1 $(BIN)/streamlit run app/main.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false --server.maxUploadSize $${APIASSIST_MAX_UPLOAD_MB:-25}

test: install
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest
