# report.html as a person sees it: rendered by headless Chromium, the screenshot
# shows the scorecard (six green gates and one red one for an output with one
# damaged column) and the charts, and the page's own layout check counts every
# SVG chart drawn with a size. Skipped when /usr/bin/chromium is absent (nothing
# is installed here).
. tests/harness/lib.sh

gen=$SIL_BIN/generator
chromium=${SIL_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || t_skip "$chromium not installed: report.html is not rendered (apt-get install chromium to run this)"

out=$T_TMP/fin
"$gen" -s tests/shapes/financial.shape.json -o "$out" --seed 3 -q
python3 tests/generator/src/damage.py "$out" shuffle payment amount
expect_exit 1 "report on an output with one damaged column" -- "$gen" report "$out"
html=$out/report.html
grep -q 'https\?://' "$html" && t_fail "report.html refers to the network" || t_pass "report.html needs no network"

browse() { # ARGS...: chromium in a fresh profile, no network services
    local ud
    ud=$(mktemp -d "$T_TMP/chromium.XXXXXX")
    timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$ud" "$@" 2>>"$T_TMP/chromium.log"
}

browse --screenshot="$T_TMP/shot.png" --window-size=1280,2400 "file://$html" >/dev/null
[ -s "$T_TMP/shot.png" ] || t_fail "no screenshot: $(tail -n 5 "$T_TMP/chromium.log")"

# Pixels of the screenshot: PNG decoded with the standard library only.
python3 - "$T_TMP/shot.png" >"$T_TMP/pixels" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat = 8, b""
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
assert depth == 8 and ctype in (2, 6) and interlace == 0, "unexpected PNG layout"
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
rows, prev, i = [], bytearray(stride), 0
for y in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line)
    prev = line
def count(rgb, y0, y1, tol=12):
    n = 0
    for y in range(y0, min(y1, h)):
        r = rows[y]
        for x in range(0, stride, bpp):
            if abs(r[x] - rgb[0]) <= tol and abs(r[x + 1] - rgb[1]) <= tol and abs(r[x + 2] - rgb[2]) <= tol:
                n += 1
    return n
green, red, blue = (0x1b, 0x7f, 0x3b), (0xc6, 0x28, 0x28), (0x15, 0x65, 0xc0)
print("size %d %d" % (w, h))
print("top-green %d" % count(green, 0, 700))
print("top-red %d" % count(red, 0, 700))
print("charts-blue %d" % count(blue, 700, h))
print("blank %d" % int(all(min(r) > 245 for r in rows[::50])))
PY
val() { sed -n "s/^$1 //p" "$T_TMP/pixels"; }
assert_eq "$(val size)" "1280 2400" "screenshot of the requested size"
[ "$(stat -c %s "$T_TMP/shot.png")" -gt 50000 ] && t_pass "screenshot is not trivial" || t_fail "screenshot only $(stat -c %s "$T_TMP/shot.png") bytes"
assert_eq "$(val blank)" 0 "screenshot is not blank"
# Six green gate cards of about 240 x 110 pixels, one red card and the red verdict.
[ "$(val top-green)" -gt 60000 ] && t_pass "scorecard: the passing gates are green ($(val top-green) px)" || t_fail "scorecard: too little green at the top: $(val top-green) px"
[ "$(val top-red)" -gt 12000 ] && t_pass "scorecard: the failing gate is red ($(val top-red) px)" || t_fail "scorecard: too little red at the top: $(val top-red) px"
[ "$(val charts-blue)" -gt 800 ] && t_pass "charts drawn below the scorecard ($(val charts-blue) blue px)" || t_fail "charts: $(val charts-blue) blue pixels"

# The DOM after layout: the page counted its charts with a non-zero size.
browse --dump-dom "file://$html" >"$T_TMP/dom.html"
n=$(grep -o '<svg class="chart"' "$html" | wc -l)
[ "$n" -gt 10 ] && t_pass "report.html has $n charts" || t_fail "only $n charts"
assert_contains "$(head -c 400 "$T_TMP/dom.html")" "data-charts=\"$n\" data-charts-drawn=\"$n\"" "every chart laid out with a width and height"
assert_eq "$(grep -o 'class="gate fail"' "$T_TMP/dom.html" | wc -l)" 1 "one failing gate card"
assert_eq "$(grep -o 'class="gate pass"' "$T_TMP/dom.html" | wc -l)" 6 "six passing gate cards"
assert_contains "$(cat "$T_TMP/dom.html")" "public.payment.amount" "the failing column is named"
t_done
