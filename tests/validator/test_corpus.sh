# The labelled corpus: 100% of positives flagged, no negative flagged; prints recall and FP rate.
. tests/harness/lib.sh
command -v python3 >/dev/null || t_skip "python3 is needed to build the corpus cases"
out=$(python3 tests/validator/corpus.py "$SIL_BIN/validate-no-pii" tests/shapes/chat.shape.json "$T_TMP/cases" 2>&1)
rc=$?
echo "$out" | tail -n 2
assert_eq "$rc" 0 "corpus: every positive flagged and no negative flagged ($(echo "$out" | tail -n1))"
[ "$rc" = 0 ] || echo "$out" | grep -E '^(MISSED|FALSE)' | head -n 20 >&2
t_done
