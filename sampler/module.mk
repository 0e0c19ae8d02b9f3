# sampler/: builds sampler. Links only: libpq libcurl libsodium libcjson libpcre2-8.
SAMPLER_OBJS := $(patsubst %.c,$(O)/%.o,$(filter-out sampler/main.c,$(wildcard sampler/*.c)))
SAMPLER_LIB := $(O)/libsampler.a
SAMPLER_PKGS := libpq libcurl libsodium libcjson libpcre2-8

$(SAMPLER_LIB): $(SAMPLER_OBJS)
	@mkdir -p $(@D)
	$(call quiet,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN)/sampler: $(O)/sampler/main.o $(SAMPLER_LIB) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(call quiet,LINK,$@)
	$(Q)$(call link,$^,$(SAMPLER_PKGS))

TOOLS += $(BIN)/sampler
TOOL_LIBS += $(SAMPLER_LIB)
