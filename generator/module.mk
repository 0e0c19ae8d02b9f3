# generator/: builds generator. Links only: libcjson libsodium libzstd.
GENERATOR_OBJS := $(patsubst %.c,$(O)/%.o,$(filter-out generator/main.c,$(wildcard generator/*.c)))
GENERATOR_LIB := $(O)/libgenerator.a
GENERATOR_PKGS := libcjson libsodium libzstd

# Values are computed in floating point: no fused multiply-add, so the same
# inputs give the same bytes on machines with and without FMA.
$(GENERATOR_OBJS): CFLAGS_BASE += -ffp-contract=off

$(GENERATOR_LIB): $(GENERATOR_OBJS)
	@mkdir -p $(@D)
	$(call quiet,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN)/generator: $(O)/generator/main.o $(GENERATOR_LIB) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(call quiet,LINK,$@)
	$(Q)$(call link,$^,$(GENERATOR_PKGS))

TOOLS += $(BIN)/generator
TOOL_LIBS += $(GENERATOR_LIB)

# The dictionaries are assembled into dict.o with .incbin.
$(O)/generator/dict.o: $(wildcard generator/data/*.txt)
$(FUZZ_O)/generator/dict.o: $(wildcard generator/data/*.txt)

# Test helper: KS distance of children per parent in an output directory.
GEN_TEST_TOOLS := $(O)/tests/gen-fanout-ks
$(O)/tests/gen-fanout-ks: $(O)/tests/generator/fanout_ks.o $(GENERATOR_LIB) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(call quiet,LINK,$@)
	$(Q)$(call link,$^,$(GENERATOR_PKGS))
$(O)/tests/generator/fanout_ks.o: CFLAGS_BASE += -Igenerator -Wno-missing-prototypes
# Test helper: zstd decompression without the zstd command.
GEN_TEST_TOOLS += $(O)/tests/gen-unzstd
$(O)/tests/gen-unzstd: $(O)/tests/generator/unzstd.o
	@mkdir -p $(@D)
	$(call quiet,LINK,$@)
	$(Q)$(call link,$^,libzstd)
unit-tests: $(GEN_TEST_TOOLS)
