# Quick start: `make demo` runs the main job, `make test` runs every test. Both install what is missing first.
SWIFT ?= swift

.PHONY: setup build demo test test-swift test-python bench clean

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build --product tradectl

demo: build
	.build/debug/tradectl demo

test: setup
	$(SWIFT) test
	/usr/bin/python3.11 -m pytest -q python/tests

bench: setup
	$(SWIFT) build -c release --product tradectl
	.build/release/tradectl bench runtime

clean:
	rm -rf .build .tradectl
