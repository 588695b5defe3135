# Vendredi — see README.md for the two commands that matter (make run, make test).
.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

# --- matching engine (internal/matching, cmd/matchbench) ---
# (section owned by the matching work)
