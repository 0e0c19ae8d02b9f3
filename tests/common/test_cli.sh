# Every binary follows the shared command-line convention.
. tests/harness/lib.sh

for b in sampler validate-no-pii generator loader; do
    exe=$SIL_BIN/$b
    [ -x "$exe" ] || { t_fail "$b was not built"; continue; }
    expect_exit 0 "$b --help" -- "$exe" --help
    assert_contains "$T_OUT" "Usage: $b" "$b --help prints usage"
    expect_exit 0 "$b --version" -- "$exe" --version
    assert_eq "$T_OUT" "$b (silhouette) 0.1.0" "$b --version"
    expect_exit 2 "$b unknown option" -- "$exe" --no-such-option
    assert_contains "$T_ERR" "Try '$b --help'" "$b points at --help"
done
t_done
