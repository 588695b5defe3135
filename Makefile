# Vendredi — see README.md for the two commands that matter (make run, make test).
.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

.PHONY: run test fuzz lint build image pg-stop clean bench-http bench-search
run: ## run the product with a demo company and data (finds or starts PostgreSQL)
	@deploy/dev/run.sh

test: ## run every test against a real PostgreSQL (GOTESTFLAGS to change flags)
	@deploy/dev/test.sh

FUZZTIME ?= 1m
fuzz: ## fuzz request decoding on the real server for FUZZTIME (1m): no input may answer 5xx
	@GOTESTFLAGS="-run ^$$ -fuzz FuzzRequestDecoding -fuzztime $(FUZZTIME) -parallel 2" deploy/dev/test.sh ./internal/httpapi/

lint: ## gofmt, go mod tidy, go vet and staticcheck
	@go mod tidy -diff >/dev/null || { echo "go.mod or go.sum is not tidy: run go mod tidy"; go mod tidy -diff; exit 1; }
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	go vet ./...
	go tool staticcheck ./...

build: ## build bin/vendredi
	go build -o bin/vendredi ./cmd/vendredi

IMAGE ?= vendredi:latest
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
image: ## build the container image (docker; IMAGE=vendredi:latest)
	docker build -f deploy/Dockerfile --build-arg VERSION=$(VERSION) -t $(IMAGE) .

pg-stop: ## stop the private PostgreSQL cluster started under .local/ (if any)
	@if [ -s .local/postgres/PG_VERSION ]; then \
		u=$$(stat -c %U .local/postgres); bin=$$(dirname $$(command -v pg_ctl || ls -d /usr/lib/postgresql/*/bin/pg_ctl | sort -rV | head -1)); \
		if [ "$$(id -u)" = 0 ]; then setpriv --reuid=$$u --regid=$$(id -g $$u) --clear-groups -- $$bin/pg_ctl -D .local/postgres stop; \
		else $$bin/pg_ctl -D .local/postgres stop; fi; fi

clean: ## remove build outputs (not the private cluster)
	rm -rf bin

# --- matching engine (internal/matching, cmd/matchbench) ---
# (section owned by the matching work)
LEMONREF := bin/lemonref
SIZE ?= large
PER_EMPLOYEE ?= 1

.PHONY: bench-matching bench-matching-size solve-dimacs
$(LEMONREF): cmd/matchbench/lemonref/lemonref.cc
	@mkdir -p bin
	g++ -O2 -std=c++17 -o $@ $< -llemon

bench-matching: $(LEMONREF) ## matching benchmark, four sizes, against LEMON (g++, liblemon-dev; PER_EMPLOYEE=1)
	go run ./cmd/matchbench -size all -per-employee $(PER_EMPLOYEE) -lemon $(LEMONREF)

bench-matching-size: $(LEMONREF) ## one benchmark size: make bench-matching-size SIZE=small|medium|30k|large
	go run ./cmd/matchbench -size $(SIZE) -per-employee $(PER_EMPLOYEE) -lemon $(LEMONREF)

solve-dimacs: $(LEMONREF) ## solve a DIMACS min-cost-flow file with ours and LEMON: make solve-dimacs FILE=x.min
	@test -n "$(FILE)" || { echo "usage: make solve-dimacs FILE=instance.min"; exit 2; }
	go run ./cmd/matchbench -dimacs $(FILE) -lemon $(LEMONREF)

# --- performance (issue 14, docs/performance.md) ---
BENCH_ARGS ?=
bench-http: ## cheap GET and sign-ups through HTTP vs bare Fiber+pgx and pgbench, side by side (BENCH_ARGS=-duration 10s)
	@deploy/dev/bench-http.sh $(BENCH_ARGS)

bench-search: ## searches at 200/s through HTTP on 100 000 generated missions, p50/p99 against the goal (BENCH_ARGS=-rate 200)
	@BENCH_MISSIONS=$${BENCH_MISSIONS:-100000} deploy/dev/bench-http.sh -search $(BENCH_ARGS)
