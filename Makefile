# mangotqm — see README.md. `make run` and `make test` work on a fresh
# Debian/Ubuntu machine: they install the system packages that are missing.
SHELL := /bin/bash
export GOTOOLCHAIN := auto
export CGO_ENABLED := 1

TAGS ?= migrated_fynedo
BIN  := build/mangotqm

.PHONY: run test bench build deps demo clean vet

deps:
	@scripts/deps.sh

build: deps
	go build -tags '$(TAGS)' -trimpath -o $(BIN) .

run: build
	./$(BIN)

demo: build
	./$(BIN) --demo

test: deps
	@scripts/test.sh

bench: deps
	@scripts/bench.sh

vet:
	gofmt -l . | tee /dev/stderr | (! read)
	go vet -tags '$(TAGS)' ./...

clean:
	rm -rf build
