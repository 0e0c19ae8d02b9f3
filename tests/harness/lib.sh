# Helpers for shell test suites: assertions that say what differed.
#
# A suite is tests/<area>/test_*.sh, run by tests/run.sh from the repository
# root with SIL_ROOT, SIL_BIN, SIL_BUILD and SILHOUETTE_POLICY_DIR set. Exit 0
# passes, 77 skips (say why on stderr), anything else fails.

set -u
: "${SIL_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${SIL_BIN:=$SIL_ROOT/bin}"
: "${SIL_BUILD:=$SIL_ROOT/build}"
: "${SILHOUETTE_POLICY_DIR:=$SIL_ROOT/policies}"
export SIL_ROOT SIL_BIN SIL_BUILD SILHOUETTE_POLICY_DIR

T_FAILS=0
T_COUNT=0
T_TMP=$(mktemp -d /tmp/sil-test.XXXXXX)
t__cleanup_tmp() { if [ -z "${SIL_KEEP_TMP:-}" ]; then rm -rf "$T_TMP"; fi; }

t_fail() {
    echo "FAIL: $*" >&2
    T_FAILS=$((T_FAILS + 1))
}

t_pass() {
    T_COUNT=$((T_COUNT + 1))
    if [ -n "${SIL_TEST_VERBOSE:-}" ]; then echo "ok: $*"; fi
}

t_skip() {
    echo "skip: $*" >&2
    t__cleanup_tmp
    exit 77
}

# assert_eq ACTUAL EXPECTED WHAT
assert_eq() {
    if [ "$1" = "$2" ]; then t_pass "$3"; else t_fail "$3: got '$1', want '$2'"; fi
}

# assert_contains HAYSTACK NEEDLE WHAT
assert_contains() {
    case "$1" in
    *"$2"*) t_pass "$3" ;;
    *) t_fail "$3: '$2' not found in: $(printf '%s' "$1" | head -c 600)" ;;
    esac
}

assert_not_contains() {
    case "$1" in
    *"$2"*) t_fail "$3: '$2' must not appear in: $(printf '%s' "$1" | head -c 600)" ;;
    *) t_pass "$3" ;;
    esac
}

# expect_exit CODE WHAT -- CMD...   (stdout in $T_OUT, stderr in $T_ERR)
T_OUT=
T_ERR=
expect_exit() {
    local want=$1 what=$2
    shift 3
    "$@" >"$T_TMP/.expect.stdout" 2>"$T_TMP/.expect.stderr" </dev/null
    local got=$?
    T_OUT=$(cat "$T_TMP/.expect.stdout")
    T_ERR=$(cat "$T_TMP/.expect.stderr")
    if [ "$got" = "$want" ]; then
        t_pass "$what"
    else
        t_fail "$what: exit $got, want $want"
        echo "  command: $*" >&2
        echo "  stderr: $(head -c 2000 "$T_TMP/.expect.stderr")" >&2
    fi
}

t_done() {
    t__cleanup_tmp
    if [ "$T_FAILS" -gt 0 ]; then
        echo "$T_FAILS failed, $T_COUNT passed" >&2
        exit 1
    fi
    echo "$T_COUNT checks passed"
    exit 0
}
