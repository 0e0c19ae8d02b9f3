# Output bytes depend only on inputs, seed and sizing: 1 thread, 2 threads and
# 4 shards concatenated give identical data; another seed gives other data.
. tests/harness/lib.sh

gen=$SIL_BIN/generator
args=(-s tests/shapes/chat.shape.json --rows messages=60000 --derive --seed 5 -q)

# sums DIR: "file checksum" for every data file listed in the manifest.
sums() {
    python3 -c '
import json, sys
for t in json.load(open(sys.argv[1] + "/manifest.json"))["tables"]:
    for f in t["files"]:
        print(f["file"], f["rows"], f["checksum"])' "$1"
}

for fmt in copy csv jsonl sql; do
    extra=(--format "$fmt" --chunk-rows 16000)
    expect_exit 0 "$fmt: 1 thread" -- "$gen" "${args[@]}" "${extra[@]}" --threads 1 -o "$T_TMP/$fmt.t1"
    expect_exit 0 "$fmt: 2 threads" -- "$gen" "${args[@]}" "${extra[@]}" --threads 2 -o "$T_TMP/$fmt.t2"
    assert_eq "$(sums "$T_TMP/$fmt.t2")" "$(sums "$T_TMP/$fmt.t1")" "$fmt: 2 threads = 1 thread (checksums)"
    for k in 1 2 3 4; do
        expect_exit 0 "$fmt: shard $k/4" -- "$gen" "${args[@]}" "${extra[@]}" --shard "$k/4" -o "$T_TMP/$fmt.s$k"
    done
    bad=0
    while read -r file _; do
        cat "$T_TMP/$fmt".s[1-4]/"$file" 2>/dev/null | cmp -s - "$T_TMP/$fmt.t1/$file" || {
            bad=1
            echo "differs: $file" >&2
        }
    done < <(sums "$T_TMP/$fmt.t1")
    assert_eq "$bad" 0 "$fmt: 4 shards concatenated = unsharded, byte for byte"
done

# Shards tile every table: rows and first_row add up.
tiles=$(python3 -c '
import json, sys
tot = {}
for k in range(1, 5):
    for t in json.load(open(f"{sys.argv[1]}.s{k}/manifest.json"))["tables"]:
        exp = tot.get(t["name"], 0)
        assert t["first_row"] == exp, (t["name"], k, t["first_row"], exp)
        tot[t["name"]] = exp + t["rows"]
whole = {t["name"]: t["total_rows"] for t in json.load(open(f"{sys.argv[1]}.t1/manifest.json"))["tables"]}
print("ok" if tot == whole else f"mismatch {tot} {whole}")' "$T_TMP/copy")
assert_eq "$tiles" ok "shard manifests tile every table"
assert_contains "$(cat "$T_TMP/copy.s3/manifest.json")" '"index": 3' "shard manifest records its index"

# zstd: the same compressed bytes whatever the threads; decompressed = plain.
expect_exit 0 "zstd 1 thread" -- "$gen" "${args[@]}" --compress zstd --threads 1 -o "$T_TMP/z1"
expect_exit 0 "zstd 2 threads" -- "$gen" "${args[@]}" --compress zstd --threads 2 -o "$T_TMP/z2"
assert_eq "$(sums "$T_TMP/z2")" "$(sums "$T_TMP/z1")" "zstd: 2 threads = 1 thread"
bad=0
expect_exit 0 "plain copy, one file per table" -- "$gen" "${args[@]}" -o "$T_TMP/plain"
for f in "$T_TMP"/plain/data/*.copy; do
    "$SIL_BUILD/tests/gen-unzstd" "$T_TMP/z1/data/$(basename "$f").zst" | cmp -s - "$f" || bad=1
done
assert_eq "$bad" 0 "zstd files decompress to the plain files"
# Compressed shards: one frame each; together they decompress to the whole.
for k in 1 2 3; do
    expect_exit 0 "zstd shard $k/3" -- "$gen" "${args[@]}" --compress zstd --shard "$k/3" -o "$T_TMP/zs$k"
done
"$SIL_BUILD/tests/gen-unzstd" "$T_TMP"/zs[1-3]/data/public.messages.copy.zst | cmp -s - "$T_TMP/plain/data/public.messages.copy"
assert_eq "$?" 0 "zstd shards decompress, concatenated, to the unsharded file"
# Chunks concatenate to the unchunked file.
bad=0
for f in "$T_TMP"/plain/data/*.copy; do
    b=$(basename "$f" .copy)
    cat "$T_TMP"/copy.t1/data/"$b".[0-9][0-9][0-9].copy | cmp -s - "$f" || bad=1
done
assert_eq "$bad" 0 "chunk files concatenate to the unchunked file"

# Another seed: other data, same shape of output.
expect_exit 0 "seed 6" -- "$gen" -s tests/shapes/chat.shape.json --rows messages=60000 --derive --seed 6 -q -o "$T_TMP/seed6"
if cmp -s "$T_TMP/seed6/data/public.messages.copy" "$T_TMP/plain/data/public.messages.copy"; then
    t_fail "seed 6 wrote the same messages as seed 5"
else
    t_pass "another seed, other data"
fi
assert_eq "$(wc -l <"$T_TMP/seed6/data/public.messages.copy")" 60000 "another seed, same row count"
t_done
