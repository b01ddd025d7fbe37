# mangotqm — see README.md. `make run` and `make test` work on a fresh
# Debian/Ubuntu machine: they install the system packages that are missing.
SHELL := /bin/bash
export GOTOOLCHAIN := auto
export CGO_ENABLED := 1

# The product's build tags (scripts/dist.sh builds the releases with the
# same): no_emoji leaves out Fyne's 4 MB colour-emoji font, parsed once per
# text style: about 20 MB less memory at rest (docs/idle.md). The app's own
# texts use no emoji; one in a caller's data shows as a box.
TAGS ?= migrated_fynedo no_emoji
BIN  := build/mangotqm

.PHONY: run test test-windows dist bench build deps demo clean vet

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

# Only the Windows tests (mangotqm.exe and the installer under Wine).
test-windows: deps
	@scripts/wine-test.sh

# Release artifacts in build/dist/ (see README, «Как сделать релиз»).
dist: deps
	@scripts/dist.sh

bench: deps
	@scripts/bench.sh

vet:
	gofmt -l . | tee /dev/stderr | (! read)
	go vet -tags '$(TAGS)' ./...
	go vet -tags '$(TAGS) tour' . ./ui/... # the screenshot tour (not in the product)
	GOOS=windows CGO_ENABLED=0 go vet ./app/instance ./app/autostart ./app/e2e/wincred ./packaging/...

clean:
	rm -rf build
