# tests/: cmocka unit tests and libFuzzer targets. Shell suites need no build.
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_TESTS := $(UNIT_SRCS:tests/unit/%.c=$(O)/tests/unit/%)

# Unit tests may #include a module's .c to reach its static functions.
$(O)/tests/unit/%: tests/unit/%.c $(TOOL_LIBS) $(LIBCOMMON) $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(call quiet,CC,$@)
	$(Q)$(CC) $(CFLAGS_BASE) -DSIL_TESTING -Wno-missing-prototypes -I. -Isampler -Igenerator -Iloader \
		-Ivalidator -o $@ $< $(TOOL_LIBS) $(LIBCOMMON) $(LDFLAGS_BASE) \
		$(call pc_libs,$(ALL_PKGS)) -lm -lpthread

unit-tests: $(UNIT_TESTS)

# libFuzzer targets: everything rebuilt with clang into build/fuzz.
FUZZ_O := build/fuzz
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_O)/%)
FUZZ_CFLAGS = $(STD) -Wall -Wextra -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
	-DSIL_TESTING $(DEFS) -Icommon -Isampler -Igenerator -Iloader -Ivalidator \
	$(call pc_cflags,$(ALL_PKGS))
FUZZ_SUPPORT := $(patsubst %.c,$(FUZZ_O)/%.o,$(COMMON_SRCS) \
	$(filter-out %/main.c,$(wildcard validator/*.c generator/*.c loader/*.c)))

$(FUZZ_O)/%.o: %.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_O)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_SUPPORT)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ \
		$(call pc_libs,libsodium libcjson libpcre2-8 libzstd libpq) -lm -lpthread

fuzz:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

# Test helpers linked against common/ only.
TEST_TOOLS := $(O)/tests/shape-tool
$(O)/tests/shape-tool: $(O)/tests/tools/shape-tool.o $(LIBCOMMON)
	@mkdir -p $(@D)
	$(call quiet,LINK,$@)
	$(Q)$(call link,$^,libcjson libsodium)

# LD_PRELOAD shim that delays threads woken from pthread_cond_wait (tests/tools/stall.c);
# never sanitized, so one shim serves both builds.
TEST_TOOLS += $(O)/tests/libstall.so
$(O)/tests/libstall.so: tests/tools/stall.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(call quiet,CC,$@)
	$(Q)$(CC) $(STD) -Wall -Wextra -Werror -O2 -shared -fPIC -o $@ $< -ldl

unit-tests: $(TEST_TOOLS)
.SECONDARY: $(FUZZ_SUPPORT)
