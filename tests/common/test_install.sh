# make install honours PREFIX and DESTDIR and installs binaries, man pages and policies.
. tests/harness/lib.sh

[ "${SIL_SANITIZERS:-0}" = 1 ] && t_skip "install is checked on the plain build"
dest=$T_TMP/root
expect_exit 0 "make install" -- make --no-print-directory install PREFIX=/opt/sil DESTDIR="$dest"
for b in sampler validate-no-pii generator loader; do
    [ -x "$dest/opt/sil/bin/$b" ] && t_pass "$b installed" || t_fail "$b not installed"
done
n_pol=$(find policies -type f | wc -l)
n_inst=$(find "$dest/opt/sil/share/silhouette/policies" -type f | wc -l)
assert_eq "$n_inst" "$n_pol" "every policy file installed"
n_man=$(find docs/man -name '*.1' 2>/dev/null | wc -l)
n_man_inst=$(find "$dest/opt/sil/share/man/man1" -name '*.1' | wc -l)
assert_eq "$n_man_inst" "$n_man" "every man page installed"
t_done
