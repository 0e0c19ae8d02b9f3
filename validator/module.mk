# validator/: builds validate-no-pii. Links only: libpcre2-8 libcjson libsodium.
VALIDATOR_OBJS := $(patsubst %.c,$(O)/%.o,$(filter-out validator/main.c,$(wildcard validator/*.c)))
VALIDATOR_LIB := $(O)/libvalidator.a
VALIDATOR_PKGS := libpcre2-8 libcjson libsodium

$(VALIDATOR_LIB): $(VALIDATOR_OBJS)
	@mkdir -p $(@D)
	$(call quiet,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN)/validate-no-pii: $(O)/validator/main.o $(VALIDATOR_LIB) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(call quiet,LINK,$@)
	$(Q)$(call link,$^,$(VALIDATOR_PKGS))

TOOLS += $(BIN)/validate-no-pii
TOOL_LIBS += $(VALIDATOR_LIB)
