# loader/: builds loader. Links only: libpq libcjson libsodium libzstd.
LOADER_OBJS := $(patsubst %.c,$(O)/%.o,$(filter-out loader/main.c,$(wildcard loader/*.c)))
LOADER_LIB := $(O)/libloader.a
LOADER_PKGS := libpq libcjson libsodium libzstd

$(LOADER_LIB): $(LOADER_OBJS)
	@mkdir -p $(@D)
	$(call quiet,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN)/loader: $(O)/loader/main.o $(LOADER_LIB) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(call quiet,LINK,$@)
	$(Q)$(call link,$^,$(LOADER_PKGS))

TOOLS += $(BIN)/loader
TOOL_LIBS += $(LOADER_LIB)
