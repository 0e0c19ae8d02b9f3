# silhouette: one non-recursive build for common/ and the four binaries.
#
#   make deps      install missing Debian packages (as root) or say which
#   make           build bin/sampler bin/validate-no-pii bin/generator bin/loader
#   make check     deps, build, all tests, then all tests again under ASan+UBSan
#   make demo      deps, build, the whole pipeline on a throwaway PostgreSQL
#   make bench     benchmarks against baselines measured in the same run
#   make fuzz      build libFuzzer targets (clang) and run each FUZZ_SECONDS
#   make install   binaries, man pages, policies under $(DESTDIR)$(PREFIX)
#   make lint      banned functions and clang-format drift
#   make clean

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SUFFIXES:

VERSION := 0.1.0
PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
ifeq ($(origin CC),default)
CC := cc
endif
SAN ?= 0
FUZZ_SECONDS ?= 60

ifeq ($(SAN),1)
O := build/san
BIN := build/san/bin
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDSAN := -fsanitize=address,undefined
else
O := build
BIN := bin
OPT := -O2 -g -D_FORTIFY_SOURCE=2 -fstack-protector-strong
LDSAN :=
endif

DEB_PACKAGES := build-essential pkg-config libsodium-dev libpq-dev libcjson-dev \
	libcurl4-openssl-dev libpcre2-dev libcmocka-dev libzstd-dev zstd postgresql \
	postgresql-client clang llvm python3 time jq chromium

STD := -std=c11 -D_POSIX_C_SOURCE=200809L
WARN := -Wall -Wextra -Wpedantic -Wformat=2 -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla -Wwrite-strings -fno-common -Werror
DEFS := -DSIL_VERSION='"$(VERSION)"' -DSIL_POLICY_DIR='"$(PREFIX)/share/silhouette/policies"'
# pkg-config is evaluated lazily so `make deps` can install it first.
pc_cflags = $(shell pkg-config --cflags $(1))
pc_libs = $(shell pkg-config --libs $(1))
ALL_PKGS := libsodium libpq libcurl libpcre2-8 libcjson cmocka libzstd
CFLAGS_BASE = $(STD) $(WARN) $(OPT) $(DEFS) -MMD -MP -Icommon $(call pc_cflags,$(ALL_PKGS)) $(EXTRA_CFLAGS)
LDFLAGS_BASE = -Wl,--as-needed $(LDSAN) $(EXTRA_LDFLAGS)

# Rebuild everything when the flags change.
FLAGS_STAMP := $(O)/flags.stamp
$(FLAGS_STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(CFLAGS_BASE) $(LDFLAGS_BASE)' | cmp -s - $@ || echo '$(CC) $(CFLAGS_BASE) $(LDFLAGS_BASE)' > $@
FORCE:

ifeq ($(V),1)
Q :=
quiet = @:
else
Q := @
quiet = @printf '  %-6s %s\n' $(1) $(2)
endif

$(O)/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(call quiet,CC,$@)
	$(Q)$(CC) $(CFLAGS_BASE) -c -o $@ $<

# link(objects, pkg-config packages)
link = $(CC) $(LDFLAGS_BASE) -o $@ $(1) $(call pc_libs,$(2)) -lm -lpthread

TOOLS :=
TOOL_LIBS :=
UNIT_TESTS :=

include common/module.mk
include validator/module.mk
include sampler/module.mk
include generator/module.mk
include loader/module.mk
include tests/module.mk

all: $(TOOLS)

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all Debian packages present"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "deps: installing$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null \
	    || { echo "deps: apt-get install failed" >&2; exit 1; }; \
	else \
	  echo "deps: missing Debian packages:$$missing" >&2; \
	  echo "hint: run as root: apt-get install$$missing" >&2; exit 1; \
	fi

check:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all unit-tests
	@tests/run.sh --build build --bin bin
	@$(MAKE) --no-print-directory SAN=1 all unit-tests
	@tests/run.sh --build build/san --bin build/san/bin --sanitizers

# Only one variant's tests, for quick iteration: make test [SAN=1] [T=pattern]
test: all unit-tests
	@tests/run.sh --build $(O) --bin $(BIN) $(if $(filter 1,$(SAN)),--sanitizers) $(if $(T),--only '$(T)')

demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@tests/e2e/demo.sh $(DEMO)

bench:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@tests/bench/run.sh

lint:
	@tests/lint.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/silhouette/policies
	install -m 0755 $(TOOLS) $(DESTDIR)$(PREFIX)/bin/
	for m in $(wildcard docs/man/*.1); do install -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man1/; done
	cd policies && find . -type f | while read -r f; do \
	  install -D -m 0644 "$$f" "$(DESTDIR)$(PREFIX)/share/silhouette/policies/$$f" || exit 1; done

clean:
	rm -rf build bin

.PHONY: all deps check test demo bench lint install clean fuzz unit-tests FORCE

-include $(shell find $(O) -name '*.d' 2>/dev/null)
