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

demo: build
	scripts/demo $(BUILD_DIR)/lakebox

bench: build
	bench/run_all.sh $(BUILD_DIR)

clean:
	rm -rf build
