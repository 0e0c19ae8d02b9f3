#!/usr/bin/env bash
# Lint: banned C functions anywhere in the project, and clang-format drift.
set -u
cd "$(dirname "$0")/.."
status=0
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.c' -o -name '*.h')
banned='\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok)[[:space:]]*\('
if grep -nE "$banned" $files; then
    echo "lint: banned function (use snprintf, sil_buf, strtol/sil_parse_*, strtok_r)" >&2
    status=1
fi
if command -v clang-format >/dev/null; then
    for f in $files; do
        if ! clang-format --style=file "$f" | cmp -s - "$f"; then
            echo "lint: $f is not clang-formatted (clang-format -i $f)" >&2
            status=1
        fi
    done
fi
exit $status
