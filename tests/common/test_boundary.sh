# The role boundary of DESIGN.md, enforced by what each binary links.
. tests/harness/lib.sh

links() { ldd "$SIL_BIN/$1" | awk '{print $1}'; }
has() { links "$1" | grep -q "^$2"; }

for spec in "sampler:libpq libcurl libsodium libcjson libpcre2-8" \
            "validate-no-pii:libpcre2-8 libcjson" \
            "generator:libcjson libsodium" \
            "loader:libpq libcjson libsodium"; do
    b=${spec%%:*}
    [ -x "$SIL_BIN/$b" ] || { t_fail "$b not built"; continue; }
    # Only check "must link" once the tool does real work; every tool must avoid its "never links".
    case $b in
    validate-no-pii) never="libpq libcurl" ;;
    generator) never="libpq libcurl" ;;
    loader) never="libcurl" ;;
    sampler) never="" ;;
    esac
    for lib in $never; do
        if has "$b" "$lib"; then t_fail "$b links $lib, which its role must never link"; else t_pass "$b does not link $lib"; fi
    done
done
# Key handling lives in sampler/ only: no other binary carries its symbols.
for b in validate-no-pii generator loader; do
    if nm -C "$SIL_BIN/$b" 2>/dev/null | grep -qiE ' (T|t) .*(keygen|key_file|hmac)'; then
        t_fail "$b contains key-handling code"
    else
        t_pass "$b has no key-handling code"
    fi
done
t_done
