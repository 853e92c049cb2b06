# Two commands on a fresh machine:  `make demo`  and  `make test`  (see README.md).
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
QUESTION ?= Who hosted the Berlin talks?
# The question reaches the shell through the environment, not pasted into the command line, so
# that quotes in it survive: make demo QUESTION='Who said "a lot of progress"?'
export QUESTION

.PHONY: install demo test test-quick lock clean

# constraints.txt pins every package to the versions tested here (the Dockerfile uses it too);
# `make lock` refreshes it.
$(STAMP): pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test,ray]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)  ## set everything up, then ask the seed articles a question
	$(BIN)/newsdesk ask "$$QUESTION"

test: $(STAMP)  ## the linter, then the whole test suite (what CI runs)
	$(BIN)/ruff check .
	$(BIN)/pytest

test-quick: $(STAMP)  ## skip the tests that load the real model
	$(BIN)/pytest -m "not slow"

lock:  ## refresh constraints.txt from what a fresh install resolves today
	rm -rf .lock-venv && python3 -m venv .lock-venv
	.lock-venv/bin/pip install --quiet ".[test,ray]"
	.lock-venv/bin/pip freeze --exclude newsdesk | sed -e 's/+cpu$$//' > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
