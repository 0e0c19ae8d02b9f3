# Shared set-up for the sampler suites: a throwaway cluster, a read-only role
# the sampler connects as, a key, and helpers. Source after tests/harness/*.
SC=(python3 "$SIL_ROOT/tests/sampler/shapecheck.py")
SHAPE_TOOL=$SIL_BUILD/tests/shape-tool
SAMPLER=$SIL_BIN/sampler
KEY=$T_TMP/sampler.key

# sampler_setup: the role "sampler_ro" (pg_read_all_data, no superuser) and a key.
sampler_setup() {
    psql -X -q -v ON_ERROR_STOP=1 -c "CREATE ROLE sampler_ro LOGIN; GRANT pg_read_all_data TO sampler_ro" ||
        return 1
    "$SAMPLER" keygen --out "$KEY" >/dev/null
}

# sample DB OUT [OPTION]...: run the sampler as sampler_ro; exit status in $?.
sample() {
    local db=$1 out=$2
    shift 2
    "$SAMPLER" --dsn "dbname=$db user=sampler_ro" --key-file "$KEY" -o "$out" "$@"
}

# jget SHAPE PATH: one value of a shape (see shapecheck.py get).
jget() {
    "${SC[@]}" get "$1" "$2"
}
