# Value-model regressions, checked on generated files.
. tests/harness/lib.sh

# Birth dates follow the shape's quantiles, which the format gives in epoch
# seconds (1950-01-01 .. 2000-01-01 here), for a date-typed personal column.
cat >"$T_TMP/bd.shape.json" <<'JSON'
{"format": "silhouette.shape", "version": 1, "created_at": "2026-11-01T00:00:00Z",
 "source": {"kind": "template"}, "tokenization": {"method": "none", "token_length": 16},
 "privacy": {"k": 10, "sample_rows": 1000, "max_category_bytes": 64, "noise": "none", "metadata_only": false},
 "tables": [{"schema": "public", "name": "people", "kind": "table", "rows": {"count": 2000, "method": "exact"},
   "primary_key": ["id"],
   "columns": [
     {"name": "id", "type": {"name": "integer"}, "nullable": false, "classification": "identifier"},
     {"name": "birth_date", "type": {"name": "date"}, "nullable": false, "classification": "personal:birth_date",
      "stats": {"null_fraction": 0, "quantiles": [[0.05, -631152000], [0.5, 315532800], [0.95, 946684800]]}},
     {"name": "born_at", "type": {"name": "timestamptz"}, "nullable": false, "classification": "personal:birth_date",
      "stats": {"null_fraction": 0, "quantiles": [[0.05, -631152000], [0.95, 946684800]]}}]}]}
JSON
expect_exit 0 "generate birth dates" -- "$SIL_BIN/generator" --shape "$T_TMP/bd.shape.json" --out "$T_TMP/gen" --seed 7 -q
data=$(ls "$T_TMP"/gen/data/public.people*.copy)
# Points at p 0.05 and 0.95 are 1950 and 2000; the tails extend the outer
# segments, so the years stay within a few years of that range.
for col in 2 3; do
    range=$(awk -F'\t' -v c=$col '{ y = substr($c, 1, 4) + 0; if (min == "" || y < min) min = y; if (y > max) max = y }
                                  END { print min, max }' "$data")
    set -- $range
    if [ "$1" -ge 1940 ] && [ "$1" -le 1951 ] && [ "$2" -ge 1999 ] && [ "$2" -le 2010 ]; then
        t_pass "column $col birth years $1..$2 follow the shape"
    else
        t_fail "column $col birth years $1..$2, want about 1950..2000"
    fi
done
median=$(cut -f2 "$data" | sort | awk '{ a[NR] = $0 } END { print substr(a[int(NR / 2)], 1, 4) }')
case "$median" in 197[89] | 198[01]) t_pass "median birth year near 1980" ;; *) t_fail "median birth year $median, want about 1980" ;; esac
t_done
