# The two commands a user needs: `make demo` (the seed story) and `make test` (the test suite).
PRESET ?= release
BUILD_DIR := build/$(PRESET)
JOBS ?= $(shell nproc)

.PHONY: all bootstrap configure build test demo bench clean

all: build

bootstrap:
	scripts/bootstrap

$(BUILD_DIR)/build.ninja: CMakeLists.txt CMakePresets.json | bootstrap
	cmake --preset $(PRESET)

configure: $(BUILD_DIR)/build.ninja

build: bootstrap configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j 2

# The seed story on a fresh data dir, then the dashboards at http://127.0.0.1:4566/ until Ctrl-C.
# Without a terminal (CI, a pipe into make) it exits once the story is told: lakebox demo --exit.
DEMO_DIR ?= $(BUILD_DIR)/demo-data
DEMO_FLAGS ?= $(shell [ -t 0 ] || echo --exit)
demo: build
	rm -rf $(DEMO_DIR)
	$(BUILD_DIR)/lakebox demo --data-dir $(DEMO_DIR) $(DEMO_FLAGS)

bench: build
	bench/run_all.sh $(BUILD_DIR)

clean:
	rm -rf build
