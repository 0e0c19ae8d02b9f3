# generator/: builds generator. Links only: libcjson libsodium libzstd.
GENERATOR_OBJS := $(patsubst %.c,$(O)/%.o,$(filter-out generator/main.c,$(wildcard generator/*.c)))
GENERATOR_LIB := $(O)/libgenerator.a
GENERATOR_PKGS := libcjson libsodium libzstd

$(GENERATOR_LIB): $(GENERATOR_OBJS)
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
