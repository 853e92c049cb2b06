# Two commands on a fresh machine:  `make demo`  and  `make test`  (see README.md).
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
QUESTION ?= Who hosted the Berlin talks?

.PHONY: install demo test test-quick clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)  ## set everything up, then ask the seed articles a question
	$(BIN)/newsdesk ask "$(QUESTION)"

test: $(STAMP)  ## the whole test suite (what CI runs)
	$(BIN)/pytest

test-quick: $(STAMP)  ## skip the tests that load the real model
	$(BIN)/pytest -m "not slow"

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
