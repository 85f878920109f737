# Quick start: `make demo` runs the main job, `make test` runs every test. Both install what is missing first.
SWIFT ?= swift

.PHONY: setup build demo test bench bench-micro clean

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build -c release --product tradectl

demo: build
	.build/release/tradectl demo

test: setup
	$(SWIFT) test
	/usr/bin/python3.11 -m pytest -q python/tests

bench: build
	.build/release/tradectl bench runtime
	.build/release/tradectl bench memory
	.build/release/tradectl bench fanout

bench-micro: setup
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark

clean:
	rm -rf .build .tradectl
