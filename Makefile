# ddblocal: one Makefile. `make run` and `make test` install what is missing, build, and serve
# or test. See README.md.

CC      ?= cc
PORT    ?= 8000
SAN     ?=
PYTHON  ?= /usr/bin/python3
ORACLE  ?= ../shared/oracle/dynamodb-local
LLHTTP_DIR ?= /usr/share/llhttp
LLHTTP_INC ?= /usr/share/include/llhttp

BUILD   := build$(if $(SAN),-san)
CORE_PKGS := sqlite3 libcjson libcrypto
PKGS    := $(CORE_PKGS) libuv libisal
CFLAGS_COMMON := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -g -fno-omit-frame-pointer \
                 $(if $(SAN),-fsanitize=$(SAN) -fno-sanitize-recover=all)
WARN    := -Wall -Wextra -Wpedantic -Werror -Wshadow -Wno-unused-parameter
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CORE_LIBS  = $(shell pkg-config --libs $(CORE_PKGS) 2>/dev/null) -lm
CFLAGS  += $(CFLAGS_COMMON) $(WARN) -Iinclude -Isrc -I$(LLHTTP_INC) $(PKG_CFLAGS)
LDFLAGS += $(if $(SAN),-fsanitize=$(SAN))
LDLIBS  += $(PKG_LIBS) -lm

SERVER_SRC := src/server.c src/http.c src/trig_run.c
MAIN_SRC   := src/main.c
CORE_SRC   := $(filter-out $(SERVER_SRC) $(MAIN_SRC),$(wildcard src/*.c))
CORE_OBJ   := $(CORE_SRC:src/%.c=$(BUILD)/%.o)
SERVER_OBJ := $(SERVER_SRC:src/%.c=$(BUILD)/%.o) $(BUILD)/trig_worker_py.o
LLHTTP_OBJ := $(BUILD)/llhttp/llhttp.o $(BUILD)/llhttp/api.o $(BUILD)/llhttp/http.o
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps test-deps run test unit e2e test-oracle test-cross cli-smoke compat compat-record bench clean lint format valgrind fuzz

all: $(BUILD)/ddblocal

# --- set-up: install missing Debian packages (only when pkg-config or the files say so) -------
deps:
	@./tests/deps.sh build

test-deps:
	@./tests/deps.sh test

# --- build ------------------------------------------------------------------------------------
$(BUILD)/%.o: src/%.c $(wildcard src/*.h src/*.def include/*.h) | $(BUILD)
	@echo "  CC    $<"
	@$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/llhttp/%.o: $(LLHTTP_DIR)/%.c | $(BUILD)
	@mkdir -p $(BUILD)/llhttp
	@$(CC) $(CFLAGS_COMMON) -w -I$(LLHTTP_INC) -c $< -o $@

# the python: trigger worker, embedded as a NUL-terminated C string (od and awk: no xxd needed)
$(BUILD)/trig_worker_py.c: src/trig_worker.py | $(BUILD)
	@echo "  GEN   $@"
	@{ echo '/* generated from src/trig_worker.py by the Makefile */'; \
	   echo 'extern const char trig_worker_py[];'; \
	   echo 'const char trig_worker_py[] = {'; \
	   od -An -v -tu1 $< | awk '{ for (i = 1; i <= NF; i++) printf "%s,", $$i; print "" }'; \
	   echo '0};'; } > $@.tmp && mv $@.tmp $@

$(BUILD)/trig_worker_py.o: $(BUILD)/trig_worker_py.c
	@$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libddbcore.a: $(CORE_OBJ)
	@ar rcs $@ $^

$(BUILD)/libddbserver.a: $(SERVER_OBJ) $(LLHTTP_OBJ)
	@ar rcs $@ $^

$(BUILD)/ddblocal: $(BUILD)/main.o $(BUILD)/libddbserver.a $(BUILD)/libddbcore.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
	@ln -sf $(BUILD)/ddblocal ddblocal

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(BUILD)/libddbcore.a
	@mkdir -p $(BUILD)/tests
	@echo "  TEST  $<"
	@$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libddbcore.a $(CORE_LIBS)

$(BUILD):
	@mkdir -p $(BUILD)

# --- run --------------------------------------------------------------------------------------
run: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p data
	./$(BUILD)/ddblocal -port $(PORT) -sharedDb -dbPath ./data

# --- tests ------------------------------------------------------------------------------------
test: deps test-deps
	@$(MAKE) --no-print-directory all unit-bins
	@$(MAKE) --no-print-directory unit e2e compat

unit-bins: $(UNIT_BIN)

unit: $(UNIT_BIN)
	@./tests/run-unit.sh $(UNIT_BIN)

e2e: $(BUILD)/ddblocal
	$(PYTHON) -m pytest -q -p no:cacheprovider tests/e2e --ddblocal ./$(BUILD)/ddblocal

test-oracle:
	$(PYTHON) -m pytest -q -p no:cacheprovider tests/e2e --oracle $(ORACLE)

# ddblocal and DynamoDB Local on the same database file, one after the other, both directions
test-cross: $(BUILD)/ddblocal
	DDB_ORACLE=$(abspath $(ORACLE)) $(PYTHON) -m pytest -q -p no:cacheprovider tests/e2e/test_file_format.py -k cross --ddblocal ./$(BUILD)/ddblocal

compat: $(BUILD)/ddblocal
	$(PYTHON) compat/replay.py --ddblocal ./$(BUILD)/ddblocal
	$(PYTHON) compat/cruddur/run.py --ddblocal ./$(BUILD)/ddblocal

compat-record:
	$(PYTHON) compat/record.py --oracle $(ORACLE)

bench: deps test-deps
	@$(MAKE) --no-print-directory all
	./bench/run.sh ./$(BUILD)/ddblocal $(ORACLE)

valgrind: $(UNIT_BIN)
	@for t in $(UNIT_BIN); do valgrind -q --error-exitcode=1 --leak-check=full $$t || exit 1; done

lint:
	cppcheck --quiet --inline-suppr --error-exitcode=1 --enable=warning,performance,portability --std=c11 -Iinclude -Isrc src
format:
	clang-format -i src/*.c src/*.h include/*.h tests/unit/*.c

clean:
	rm -rf build build-san ddblocal

# --- fuzzing (clang libFuzzer): make fuzz [FUZZ_SECONDS=60] ------------------------------------
FUZZ_SECONDS ?= 30
FUZZ_FLAGS := -std=c11 -D_DEFAULT_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
              -Iinclude -Isrc -I$(LLHTTP_INC) $(PKG_CFLAGS)
fuzz:
	@mkdir -p build/fuzz/corpus-request
	clang $(FUZZ_FLAGS) -o build/fuzz/fuzz_request tests/fuzz/fuzz_request.c $(CORE_SRC) $(CORE_LIBS)
	clang $(FUZZ_FLAGS) -o build/fuzz/fuzz_num tests/fuzz/fuzz_num.c src/num.c
	clang $(FUZZ_FLAGS) -o build/fuzz/fuzz_expr tests/fuzz/fuzz_expr.c $(CORE_SRC) $(CORE_LIBS)
	@if [ -f tests/fuzz/fuzz_http.c ]; then clang $(FUZZ_FLAGS) -o build/fuzz/fuzz_http tests/fuzz/fuzz_http.c src/http.c src/sb.c $(LLHTTP_DIR)/*.c $(PKG_LIBS); fi
	./build/fuzz/fuzz_request -max_total_time=$(FUZZ_SECONDS) -max_len=4096 build/fuzz/corpus-request tests/fuzz/corpus/request 2>&1 | tail -3
	./build/fuzz/fuzz_num -max_total_time=$(FUZZ_SECONDS) 2>&1 | tail -2
	./build/fuzz/fuzz_expr -max_total_time=$(FUZZ_SECONDS) -max_len=512 -dict=tests/fuzz/expr.dict 2>&1 | tail -2
	@if [ -x build/fuzz/fuzz_http ]; then ./build/fuzz/fuzz_http -max_total_time=$(FUZZ_SECONDS) 2>&1 | tail -2; fi
