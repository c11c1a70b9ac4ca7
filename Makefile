# winpoll.h - build and test.
#
#   make test    build every suite with both toolchains in both modes (plus a
#                UBSan build), run the compile-only checks, run everything,
#                and print one line "N passed, N failed, N skipped"
#   make demo    build the examples and show the library at work
#   make bench   the benchmarks (clang-cl -O2, both modes), as tables
#   make fuzz    the seeded random tests, 40 times longer, a new seed each run
#   make stress  the stress tests, 10 times longer, both modes
#   make clean   remove build/
#
# On Linux the programs are cross-built (mingw-w64 gcc; clang-cl + lld-link
# against Wine's SDK) and run under Wine in a prefix of the project's own,
# build/wineprefix. The first `make test` installs what is missing
# (tests/scripts/deps.sh; root on Debian/Ubuntu). On Windows, run make from a
# shell that has clang-cl (and optionally x86_64-w64-mingw32-gcc) on PATH and
# the Windows SDK set up (a Developer Command Prompt); the programs run
# directly.
#
# Variables: FILTER=text runs only tests whose name contains text;
# TIMEOUT=seconds ends a test that runs longer (default 120).

BUILD   := build
SHELL   := /bin/sh
HDRS    := winpoll.h tests/wptest.h tests/suite.h
SUITES  := $(patsubst tests/%.c,%,$(wildcard tests/test_*.c))
EXAMPLES := $(patsubst examples/%.c,%,$(wildcard examples/*.c))
TIMEOUT ?= 120

ifeq ($(OS),Windows_NT)
HOST      := windows
CLANG_CL  := clang-cl
MINGW_CC  := $(if $(shell command -v x86_64-w64-mingw32-gcc 2>/dev/null),x86_64-w64-mingw32-gcc)
# The installed SDK: clang-cl finds headers and libraries through INCLUDE/LIB.
CL_SDK    :=
# The tests (not the header) use fopen/sscanf, which the UCRT headers deprecate.
CL_TESTS  := -D_CRT_SECURE_NO_WARNINGS
CL_LINK    = $(CLANG_CL) /nologo $(1) /Fe$(2) ws2_32.lib
RUN       :=
else
HOST      := linux
LLVM_BIN  := $(shell ls -d /usr/lib/llvm-*/bin 2>/dev/null | sort -V | tail -n 1)
CLANG_CL  := $(or $(shell command -v clang-cl 2>/dev/null),$(LLVM_BIN)/clang-cl)
LLD_LINK  := $(or $(shell command -v lld-link 2>/dev/null),$(LLVM_BIN)/lld-link)
MINGW_CC  := x86_64-w64-mingw32-gcc
WINE_INC  := /usr/include/wine/wine
WINE_LIB  := /usr/lib/x86_64-linux-gnu/wine/x86_64-windows
# Wine's SDK has no security-cookie runtime, hence /GS-.
CL_SDK    := /GS- -imsvc $(WINE_INC)/msvcrt -imsvc $(WINE_INC)/windows
CL_LINK    = $(LLD_LINK) /nologo /subsystem:console /entry:mainCRTStartup /libpath:$(WINE_LIB) \
             /out:$(2) $(1) libwinecrt0.a libucrtbase.a libkernel32.a libws2_32.a /nodefaultlib
RUN       := sh tests/scripts/wine-run.sh
endif

GCC_FLAGS := -std=c99 -O2 -g -Wall -Wextra -Wpedantic -Werror -Wshadow
GCC_LIBS  := -lws2_32
CL_FLAGS  := --target=x86_64-pc-windows-msvc /nologo /O2 /W4 /WX $(CL_SDK) $(CL_TESTS)
UBSAN     := -fsanitize=undefined -fsanitize-trap=undefined

# configuration name -> compiler flags
CONFIGS := gcc-iocp gcc-blocking clang-iocp clang-blocking clang-ubsan-iocp clang-ubsan-blocking
ifeq ($(MINGW_CC),)
CONFIGS := $(filter-out gcc-%,$(CONFIGS))
endif
mode_of = $(if $(findstring blocking,$(1)),-DWINPOLL_BLOCKING)
ubsan_of = $(if $(findstring ubsan,$(1)),$(UBSAN))

SUITE_EXES   := $(foreach c,$(CONFIGS),$(foreach s,$(SUITES),$(BUILD)/$(c)/$(s).exe))
# programs the suites start, built beside them
HELPER_EXES  := $(foreach c,$(CONFIGS),$(foreach h,child ex_console_utf8 ex_echo_server ex_file_copy,$(BUILD)/$(c)/$(h).exe))
EXAMPLE_EXES := $(foreach c,$(filter-out %ubsan-iocp %ubsan-blocking,$(CONFIGS)),$(foreach e,$(EXAMPLES),$(BUILD)/$(c)/ex_$(e).exe))
DRIVER       := $(BUILD)/driver.exe

.PHONY: all test test-run demo demo-run bench bench-run fuzz fuzz-run stress stress-run deps build compile-checks clean
.SUFFIXES:
.DELETE_ON_ERROR:

all: build

# deps first, then a fresh make that sees the installed tools; the builds run
# two at a time, the tests alone.
test: deps
	@$(MAKE) --no-print-directory -j2 build compile-checks
	@$(MAKE) --no-print-directory test-run

demo: deps
	@$(MAKE) --no-print-directory demo-run

bench: deps
	@$(MAKE) --no-print-directory bench-run

# The fuzz suite 40 times longer than in make test, with a new seed each run
# (printed; FUZZ_SEED=n replays one), in a plain and a UBSan build.
FUZZ_SEED ?= $(shell date +%s)
fuzz: deps
	@$(MAKE) --no-print-directory fuzz-run

# The stress suite 10 times longer (15 s of racing, 2,000 connection
# cycles, 1,000 pipe reads ended by close), in both modes.
stress: deps
	@$(MAKE) --no-print-directory stress-run

stress-run: $(BUILD)/clang-iocp/test_stress.exe $(BUILD)/clang-blocking/test_stress.exe
	@for c in clang-iocp clang-blocking; do \
	    echo "== $$c/test_stress, 10 times longer"; \
	    WINPOLL_STRESS_SCALE=10 $(RUN) $(BUILD)/$$c/test_stress.exe || exit 1; \
	done

fuzz-run: $(BUILD)/clang-iocp/test_fuzz.exe $(BUILD)/clang-ubsan-iocp/test_fuzz.exe
	@for c in clang-iocp clang-ubsan-iocp; do \
	    echo "== $$c/test_fuzz, seed $(FUZZ_SEED)"; \
	    WINPOLL_FUZZ_SCALE=40 WINPOLL_FUZZ_SEED=$(FUZZ_SEED) $(RUN) $(BUILD)/$$c/test_fuzz.exe || exit 1; \
	done

BENCHES := $(patsubst tests/bench/%.c,$(BUILD)/bench/%.exe,$(wildcard tests/bench/*.c))
ECHO_BENCH := $(BUILD)/bench/echo/server-iocp.exe $(BUILD)/bench/echo/server-blocking.exe $(BUILD)/bench/echo/load$(if $(filter windows,$(HOST)),.exe)
bench-run: $(BENCHES) $(ECHO_BENCH)
	@for b in $(BENCHES); do echo "== $$b"; $(RUN) $$b || exit 1; done
	@echo "== TCP echo over loopback (tests/bench/echo)"
	@sh tests/bench/echo/run.sh $(BUILD)/bench/echo "$(RUN)"

$(BUILD)/bench/echo/server-%.exe: tests/bench/echo/server.c winpoll.h
	@mkdir -p $(@D)
	$(CLANG_CL) $(CL_FLAGS) $(if $(filter blocking,$*),-DWINPOLL_BLOCKING) /c /Fo$(basename $@).obj -- $<
	$(call CL_LINK,$(basename $@).obj,$@)

# the load generator is built for the host: under Wine it must not share the
# server's wineserver
$(BUILD)/bench/echo/load$(if $(filter windows,$(HOST)),.exe): tests/bench/echo/load.c
	@mkdir -p $(@D)
ifeq ($(HOST),windows)
	$(CLANG_CL) /nologo /O2 /W4 $< /Fe$@ ws2_32.lib
else
	cc -std=c99 -O2 -Wall -Wextra -o $@ $<
endif

$(BUILD)/bench/%.exe: tests/bench/%.c winpoll.h
	@mkdir -p $(@D)
	$(CLANG_CL) $(CL_FLAGS) /c /Fo$(basename $@).obj -- $<
	$(call CL_LINK,$(basename $@).obj,$@)

deps:
ifeq ($(HOST),linux)
	@sh tests/scripts/deps.sh
endif

build: $(DRIVER) $(SUITE_EXES) $(HELPER_EXES) $(EXAMPLE_EXES)

test-run: build $(BUILD)/compile-checks.txt
	@$(RUN) $(DRIVER) --timeout $(TIMEOUT) $(if $(FILTER),--filter "$(FILTER)") \
	    --results $(BUILD)/compile-checks.txt $(SUITE_EXES)

compile-checks: $(BUILD)/compile-checks.txt
$(BUILD)/compile-checks.txt: winpoll.h README.md tests/scripts/compile-checks.sh $(wildcard tests/compile/*)
	@mkdir -p $(BUILD)/compile
	@CLANG_CL="$(CLANG_CL)" CL_SDK="$(CL_SDK)" MINGW_CC="$(MINGW_CC)" BUILD="$(BUILD)" \
	    LLD_LINK="$(LLD_LINK)" WINE_LIB="$(WINE_LIB)" HOST="$(HOST)" \
	    sh tests/scripts/compile-checks.sh > $@.tmp && mv $@.tmp $@

demo-run: $(foreach e,$(EXAMPLES),$(BUILD)/clang-iocp/ex_$(e).exe) $(BUILD)/clang-iocp/test_console.exe \
          $(BUILD)/compile-checks.txt
	@echo "== winpoll.h $$(sed -n 's/^#define WINPOLL_VERSION_STRING "\(.*\)"/\1/p' winpoll.h): the header in every configuration"
	@sed -n 's/^\(PASS\|FAIL\) compile\//  \1 /p' $(BUILD)/compile-checks.txt
	@echo "== examples/errors.c: real failures explained by wp_strerror (built with clang-cl, run under $(if $(RUN),Wine,Windows))"
	@$(RUN) $(BUILD)/clang-iocp/ex_errors.exe
	@echo "== examples/file_copy.c: pread/pwrite on FDs, a UTF-8 path"
	@$(RUN) $(BUILD)/clang-iocp/ex_file_copy.exe
	@echo "== examples/spawn_pipe.c: a child with exactly its pipes inherited"
	@$(RUN) $(BUILD)/clang-iocp/ex_spawn_pipe.exe
	@echo "== examples/echo_server.c + echo_client.c: one thread serving clients; the third one stays idle past its 2 s deadline"
	@rm -f $(BUILD)/echo.port
	@$(RUN) $(BUILD)/clang-iocp/ex_echo_server.exe --port 0 --idle 2 --clients 3 --port-file $(BUILD)/echo.port & \
	 i=0; while [ ! -f $(BUILD)/echo.port ] && [ $$i -lt 200 ]; do sleep 0.1; i=$$((i+1)); done; \
	 port=$$(tr -d '\r\n' < $(BUILD)/echo.port); \
	 $(RUN) $(BUILD)/clang-iocp/ex_echo_client.exe 127.0.0.1 $$port hello "two words"; \
	 $(RUN) $(BUILD)/clang-iocp/ex_echo_client.exe 127.0.0.1 $$port again; \
	 $(RUN) $(BUILD)/clang-iocp/ex_echo_client.exe 127.0.0.1 $$port --idle; \
	 wait
	@echo "== examples/echo_server.c on a pseudo console, a client connected, stopped by Ctrl-C (GenerateConsoleCtrlEvent)"
	@$(RUN) $(BUILD)/clang-iocp/test_console.exe --filter ctrl_c | sed -n 's/^PASS.*/   it closed its client and exited with 0 (test_console: &)/p; /FAIL/p'
	@echo "== examples/udp_echo.c: datagrams on IPv4 and IPv6, senders as text, a truncated one reported"
	@$(RUN) $(BUILD)/clang-iocp/ex_udp_echo.exe
	@echo "== examples/console_utf8.c: lines reversed character by character, on a real console (a pseudo console)"
	@$(RUN) $(BUILD)/clang-iocp/test_console.exe --show-example
	@echo "   and with its input and output redirected to pipes, where the bytes pass through unchanged:"
	@printf 'h\303\251llo \346\227\245\346\234\254\350\252\236 \360\237\230\200\nabc\n' | $(RUN) $(BUILD)/clang-iocp/ex_console_utf8.exe
	@echo "== examples/game_loop.c: the async face polled with timeout 0 once per frame"
	@$(RUN) $(BUILD)/clang-iocp/ex_game_loop.exe

$(DRIVER): tests/driver.c
	@mkdir -p $(BUILD)
ifeq ($(HOST),windows)
	$(CLANG_CL) /nologo /O2 /W4 /WX $(CL_TESTS) /Fo$(BUILD)/driver.obj /Fe$@ tests/driver.c
else
	$(MINGW_CC) -std=c99 -O2 -Wall -Wextra -Werror -o $@ $<
endif

# One rule pair per configuration: suites and examples.
define GCC_RULES
$(BUILD)/$(1)/%.exe: tests/%.c $(HDRS)
	@mkdir -p $$(@D)
	$(MINGW_CC) $(GCC_FLAGS) $(call mode_of,$(1)) -o $$@ $$< $(GCC_LIBS)
$(BUILD)/$(1)/ex_%.exe: examples/%.c winpoll.h
	@mkdir -p $$(@D)
	$(MINGW_CC) $(GCC_FLAGS) $(call mode_of,$(1)) -o $$@ $$< $(GCC_LIBS)
endef

define CLANG_RULES
$(BUILD)/$(1)/%.exe: tests/%.c $(HDRS)
	@mkdir -p $$(@D)
	$(CLANG_CL) $(CL_FLAGS) $(call mode_of,$(1)) $(call ubsan_of,$(1)) /c /Fo$$(basename $$@).obj -- $$<
	$(call CL_LINK,$$(basename $$@).obj,$$@)
$(BUILD)/$(1)/ex_%.exe: examples/%.c winpoll.h
	@mkdir -p $$(@D)
	$(CLANG_CL) $(CL_FLAGS) $(call mode_of,$(1)) /c /Fo$$(basename $$@).obj -- $$<
	$(call CL_LINK,$$(basename $$@).obj,$$@)
endef

$(foreach c,$(filter gcc-%,$(CONFIGS)),$(eval $(call GCC_RULES,$(c))))
$(foreach c,$(filter clang-%,$(CONFIGS)),$(eval $(call CLANG_RULES,$(c))))

clean:
	-[ -d $(BUILD)/wineprefix ] && WINEPREFIX="$$(pwd)/$(BUILD)/wineprefix" wineserver -k 2>/dev/null; true
	rm -rf $(BUILD)
