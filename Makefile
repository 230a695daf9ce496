.DEFAULT_GOAL := help
# Rasa sends usage telemetry and crash reports to its servers unless told not to.
export RASA_TELEMETRY_ENABLED := false
.PHONY: help setup train run test lint validate bench crossval loop replay lock clean

help: ## List every command
	@grep -E '^[a-z]+:.*## ' Makefile | sed -E 's/:.*## /\t/' | expand -t 12

setup: ## Create .venv with Python 3.10 and install the pinned dependencies
	scripts/setup.sh

train: setup ## Train the model if config, domain, data or component code changed
	.venv/bin/python scripts/model_fingerprint.py

run: ## Set up, train if stale, start the servers and print the URL
	scripts/run.sh

test: ## Run the whole test suite (what CI runs)
	scripts/test.sh

lint: setup ## Check the Python code with ruff
	.venv/bin/ruff check .

validate: setup ## Check training data and domain with rasa data validate
	.venv/bin/rasa data validate --domain domain --data data/nlu data/rules.yml data/stories.yml --fail-on-warnings

bench: train ## Print NLU quality vs a TF-IDF baseline, latency, training time and memory
	.venv/bin/python scripts/bench.py

crossval: setup ## Cross-validate intents on the training data: the pipeline vs the TF-IDF baseline, same folds
	.venv/bin/python scripts/cross_validate.py

loop: setup ## Measure the trainer loop: train without a slice, export it as reviewed, retrain, compare
	.venv/bin/python scripts/annotation_loop.py

replay: train ## Replay test conversations through agent assist: top-1/top-3 suggestion hits, latency
	.venv/bin/python scripts/replay_suggestions.py

lock: ## Rewrite requirements.lock from the current .venv
	.venv/bin/pip freeze --exclude-editable | sort > requirements.lock

clean: ## Remove the trained model, logs and local databases
	rm -rf models logs var results artifacts
