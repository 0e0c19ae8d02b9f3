# common/: the static library every binary links; no libpq or libcurl here.
COMMON_SRCS := $(wildcard common/*.c)
COMMON_OBJS := $(COMMON_SRCS:%.c=$(O)/%.o)
LIBCOMMON := $(O)/libsilcommon.a

$(LIBCOMMON): $(COMMON_OBJS)
	@mkdir -p $(@D)
	$(call quiet,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^
