# annoport: build, run the sample, test, install.
#
#   make          ./annoport and ./libannoport.a (objects under build/)
#   make run      convert the bundled COCO sample and print the summary
#   make test     the CUnit suites, plain and then under ASan+UBSan
#   make asan     the suites under ASan+UBSan only (build-asan/)
#   make check    make test, then the samples under valgrind
#   make bench    convert generated datasets and report time and memory
#   make fuzz     run the fuzz targets (FUZZ_SECONDS each)
#   make install  PREFIX (/usr/local) and DESTDIR honoured; make uninstall
#
# Every target first checks the Debian packages it needs and installs the
# missing ones when run as root (apt-get), or says what to install.

CC      ?= cc
SHARED  ?= ../shared
PYTHON  ?= python3
PKGS     = libcjson libzip libxml-2.0
# libbz2-dev, libssl-dev and liblzma-dev: the private link dependencies of
# libzip and libxml2, which `pkg-config --static --libs annoport` (the
# README's library example) asks for; nothing else installs them.
DEB_PKGS = libcsv-dev libxml2-dev libcjson-dev libzip-dev libcunit1-dev pkg-config python3 groff-base \
           libbz2-dev libssl-dev liblzma-dev libcurl4-openssl-dev

WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wno-format-nonliteral
CSTD     = -std=c11 -D_DEFAULT_SOURCE
OPT     ?= -O2 -g
# libcurl (annoport send) stays out of PKGS: annoport.pc names it in
# Libs.private as -lcurl alone, since its own static dependencies (nghttp2,
# ldap, ...) have no Debian -dev packages installed and a shared libcurl
# needs none of them.
CURL_PKG = libcurl
CPPFLAGS = -Iinclude -Isrc $(shell pkg-config --cflags $(PKGS) $(CURL_PKG) 2>/dev/null)
LDLIBS   = $(shell pkg-config --libs $(PKGS) $(CURL_PKG) 2>/dev/null) -lcsv -lm

LIB_SRC  = $(wildcard src/*.c) $(wildcard formats/*.c)
LIB_SRC := $(filter-out src/main.c,$(LIB_SRC))
TEST_SRC = $(wildcard tests/*.c)

# Variant folders: build/ (plain), build-asan/ (sanitizers), build-fuzz/
# (clang, libFuzzer instrumentation).
B       ?= build
SANFLAGS =
ifeq ($(B),build-asan)
  SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
  OPT = -O1 -g
endif
ifeq ($(B),build-fuzz)
  CC = clang
  SANFLAGS = -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
             -fno-sanitize-recover=all
  OPT = -O1 -g
endif
CFLAGS   = $(CSTD) $(WARN) $(OPT) $(SANFLAGS)
LDFLAGS += $(SANFLAGS)

LIB_OBJ  = $(patsubst %.c,$(B)/%.o,$(LIB_SRC))
TEST_OBJ = $(patsubst %.c,$(B)/%.o,$(TEST_SRC))

.PHONY: all deps shared-check run test asan check check-variant bench bench-deps fuzz fuzz-deps install uninstall clean

all: deps
	@$(MAKE) --no-print-directory B=build annoport libannoport.a

annoport: build/annoport
	cp build/annoport $@
libannoport.a: build/libannoport.a
	cp build/libannoport.a $@

deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null \
	      || { echo "apt-get failed; run: apt-get install -y$$missing"; exit 1; }; \
	  else \
	    echo "annoport needs these Debian packages:$$missing"; \
	    echo "install them with: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

$(B)/%.o: %.c $(wildcard include/annoport/*.h src/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CPPFLAGS) -MMD -c $< -o $@

$(B)/libannoport.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(B)/annoport: $(B)/src/main.o $(B)/libannoport.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/test_annoport: $(TEST_OBJ) $(B)/libannoport.a $(B)/annoport $(B)/libfault.so
	$(CC) $(LDFLAGS) -o $@ $(TEST_OBJ) $(B)/libannoport.a $(LDLIBS) -lcunit

# The fault-injection preload library (never sanitized: it replaces malloc).
$(B)/libfault.so: tests/fault/fault.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 -g -fPIC -shared -Wall -Wextra -Werror -o $@ $< -ldl

RUN_OUT ?= build/run-output
run: all
	./annoport convert samples/coco/instances.json -o $(RUN_OUT) --force \
	  --embed-model-version-id bb186755eda04f9cbb6fe32e816be104
	@out=$$($(PYTHON) $(SHARED)/tools/check_requests.py $(RUN_OUT) 2>&1); rc=$$?; \
	  printf '%s\n' "$$out" | tail -n 1; \
	  [ $$rc = 0 ] || echo "make run: check_requests.py failed (exit $$rc)"; exit $$rc

# The suites need the shared folder (its tools/ and corpus/): say so first.
shared-check:
	@[ -f $(SHARED)/tools/check_requests.py ] && [ -d $(SHARED)/corpus ] || { \
	  echo "annoport: the tests need the shared folder (with tools/ and corpus/), and" \
	       "'$(SHARED)' is not one; point to it with: make test SHARED=/path/to/shared" >&2; \
	  exit 1; }

# The suites run from the top folder; they find the CLI and shared/ here.
check-variant: shared-check
	@$(MAKE) --no-print-directory B=$(B) $(B)/test_annoport
	AP_BIN=$(B)/annoport AP_SHARED=$(SHARED) AP_PYTHON=$(PYTHON) AP_TMP=$(B)/tmp \
	  AP_FAULT=$(B)/libfault.so AP_PLAIN_BIN=build/annoport ./$(B)/test_annoport

# The plain and the sanitizer variants are built and run at once (one a
# core), each into its log; the logs are shown in turn, then the wall time
# and the tests of both.
test: shared-check deps
	@$(MAKE) --no-print-directory all
	@start=$$(date +%s); \
	  for v in build build-asan; do \
	    ( $(MAKE) --no-print-directory B=$$v check-variant > build/$$v-test.log 2>&1; \
	      echo $$? > build/$$v-test.rc ) & \
	  done; wait; \
	  for v in build build-asan; do echo "==== $$v"; cat build/$$v-test.log; done; \
	  rc=0; passed=0; failed=0; for v in build build-asan; do \
	    [ "$$(cat build/$$v-test.rc)" = 0 ] || rc=1; \
	    set -- $$(grep -E '^[0-9]+ passed, [0-9]+ failed$$' build/$$v-test.log | tail -n 1) 0 x 0; \
	    passed=$$((passed + $$1)); failed=$$((failed + $$3)); done; \
	  echo "make test: plain and ASan+UBSan variants in $$(( $$(date +%s) - start )) s"; \
	  echo "test: $$passed passed, $$failed failed"; exit $$rc

asan: shared-check deps
	@$(MAKE) --no-print-directory B=build-asan check-variant

# make test, then every sample once under valgrind (no leak, no invalid read)
check: test
	@command -v valgrind >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq valgrind >/dev/null; } || \
	  { echo "make check needs: sudo apt-get install -y valgrind"; exit 1; }
	@for args in "samples/coco/instances.json --geometry both" "samples/voc --images samples/voc/JPEGImages" \
	  "samples/csv/tfod.csv" "samples/csv/automl.csv" "samples/expected/coco-both --to coco" \
	  "samples/expected/voc --to voc" "samples/clarifai/annotations-page.json --to yolo"; do \
	  rm -rf build/valgrind-out; echo "valgrind: convert $$args"; \
	  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	    ./annoport convert $$args -o build/valgrind-out --quiet || exit 1; done

# Fuzzing: one libFuzzer target per reader, seeded from the samples, the
# test data and the shared corpus; a crash is saved under
# tests/data/fuzz/TARGET/, which make test replays.
# a target per reader of the table in formats/formats.c, and two more
FUZZ_TARGETS = $(shell sed -n 's/^ *&ap_reader_\([a-z0-9_]*\),$$/\1/p' formats/formats.c) zip probe
FUZZ_SECONDS ?= 60

fuzz-deps:
	@command -v clang >/dev/null 2>&1 && dpkg -s libclang-rt-14-dev >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang libclang-rt-14-dev >/dev/null; \
	  else echo "make fuzz needs: sudo apt-get install -y clang libclang-rt-14-dev"; exit 1; fi; }

build-fuzz/fuzz_%: tests/fuzz/fuzz_reader.c
	@$(MAKE) --no-print-directory B=build-fuzz build-fuzz/libannoport.a
	clang -std=c11 -D_DEFAULT_SOURCE -O1 -g -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=all \
	  -DFUZZ_FORMAT='"$*"' $(CPPFLAGS) $< build-fuzz/libannoport.a $(LDLIBS) -o $@

fuzz: deps fuzz-deps
	@rm -f $(addprefix build-fuzz/fuzz_,$(FUZZ_TARGETS)) # relink on the library as it is now
	@for t in $(FUZZ_TARGETS); do $(MAKE) --no-print-directory build-fuzz/fuzz_$$t || exit 1; done
	sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(SHARED) $(FUZZ_TARGETS)

# The benchmark (not part of test): train2017-sized data generated once
# under build/bench/, each conversion 3 times against its floors (cat, a
# simdjson parse, bare libxml2 and libcsv passes built here).
BENCH_IMAGES ?= 118287
bench-deps:
	@command -v g++ >/dev/null 2>&1 && dpkg -s libsimdjson-dev >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq g++ libsimdjson-dev >/dev/null; \
	  else echo "make bench needs: sudo apt-get install -y g++ libsimdjson-dev"; exit 1; fi; }

build/bench/floor_json: tests/bench/floor_json.cpp
	@mkdir -p build/bench
	g++ -O2 -o $@ $< -lsimdjson
build/bench/floor_json_needs: tests/bench/floor_json_needs.cpp
	@mkdir -p build/bench
	g++ -O2 -o $@ $< -lsimdjson
build/bench/floor_json_ondemand: tests/bench/floor_json_ondemand.cpp
	@mkdir -p build/bench
	g++ -O2 -o $@ $< -lsimdjson
build/bench/floor_xml: tests/bench/floor_xml.c
	@mkdir -p build/bench
	$(CC) -O2 $(WARN) -o $@ $< $$(pkg-config --cflags --libs libxml-2.0)
build/bench/floor_csv: tests/bench/floor_csv.c
	@mkdir -p build/bench
	$(CC) -O2 $(WARN) -o $@ $< -lcsv
build/bench/floor_deflate: tests/bench/floor_deflate.c
	@mkdir -p build/bench
	$(CC) -O2 $(WARN) -o $@ $< -lz
build/bench/runrss: tests/bench/runrss.c
	@mkdir -p build/bench
	$(CC) -O2 $(CSTD) $(WARN) -o $@ $<

bench: all bench-deps
	@$(MAKE) --no-print-directory build/bench/floor_json build/bench/floor_json_ondemand \
	  build/bench/floor_json_needs \
	  build/bench/floor_xml build/bench/floor_csv build/bench/floor_deflate build/bench/runrss
	$(PYTHON) tests/bench/bench.py $(SHARED) build $(BENCH_IMAGES)

PREFIX  ?= /usr/local
VERSION  = $(shell sed -n 's/^\#define AP_VERSION "\(.*\)"/\1/p' include/annoport/annoport.h)
I        = $(DESTDIR)$(PREFIX)

install: all
	install -d $(I)/bin $(I)/lib/pkgconfig $(I)/include/annoport $(I)/share/man/man1 \
	  $(I)/share/bash-completion/completions
	install -m 755 annoport $(I)/bin/annoport
	install -m 644 libannoport.a $(I)/lib/libannoport.a
	install -m 644 include/annoport/*.h $(I)/include/annoport/
	install -m 644 src/annoport.1 $(I)/share/man/man1/annoport.1
	./annoport completion bash > $(I)/share/bash-completion/completions/annoport
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$${prefix}/lib' 'includedir=$${prefix}/include' '' \
	  'Name: annoport' 'Description: image annotation datasets to and from the Clarifai API' \
	  'Version: $(VERSION)' 'Requires.private: $(PKGS)' 'Cflags: -I$${includedir}' \
	  'Libs: -L$${libdir} -lannoport' 'Libs.private: -lcsv -lm -lcurl' > $(I)/lib/pkgconfig/annoport.pc

uninstall:
	rm -f $(I)/bin/annoport $(I)/lib/libannoport.a $(I)/lib/pkgconfig/annoport.pc \
	  $(I)/share/man/man1/annoport.1 $(I)/share/bash-completion/completions/annoport
	rm -f $(addprefix $(I)/include/annoport/,$(notdir $(wildcard include/annoport/*.h)))
	-rmdir $(I)/include/annoport 2>/dev/null

clean:
	rm -rf build build-asan build-fuzz annoport libannoport.a

-include $(wildcard $(B)/src/*.d $(B)/formats/*.d $(B)/tests/*.d)
