/* report.html: one self-contained page (inline CSS and SVG, no network) for a domain expert. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "report.h"

#define GREEN "#1b7f3b"
#define RED   "#c62828"
#define GREY  "#757575"
#define BLUE  "#1565c0"

static void esc(struct sil_buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            sil_buf_adds(b, "&amp;");
            break;
        case '<':
            sil_buf_adds(b, "&lt;");
            break;
        case '>':
            sil_buf_adds(b, "&gt;");
            break;
        case '"':
            sil_buf_adds(b, "&quot;");
            break;
        case '\'':
            sil_buf_adds(b, "&#39;");
            break;
        default:
            sil_buf_addc(b, *s);
        }
    }
}

static void civil(int64_t days, int *y, int *m, int *d)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static void xlabel(char *out, size_t n, double x, int kind)
{
    int y, m, d;
    switch (kind) {
    case 1:
        civil((int64_t)floor(x), &y, &m, &d);
        snprintf(out, n, "%04d-%02d-%02d", y, m, d);
        break;
    case 2:
        civil((int64_t)floor(x / 86400), &y, &m, &d);
        snprintf(out, n, "%04d-%02d-%02d", y, m, d);
        break;
    case 3:
        snprintf(out, n, "%02d:%02d", (int)(x / 3600), (int)fmod(x / 60, 60));
        break;
    default:
        snprintf(out, n, "%.4g", x);
    }
}

/* A CDF chart: the shape's (grey, dashed) and the generated (blue). */
static void cdf_svg(struct sil_buf *b, double (*pts)[3], size_t n, int kind, const char *title)
{
    const double W = 300, H = 150, L = 34, R = 8, T = 10, B = 30;
    double lo = pts[0][0], hi = pts[n - 1][0];
    if (!(hi > lo))
        hi = lo + 1;
    sil_buf_addf(b,
                 "<svg class=\"chart\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
                 "role=\"img\"><title>",
                 W, H, W, H);
    esc(b, title);
    sil_buf_adds(b, "</title>");
    sil_buf_addf(b,
                 "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"#fafafa\" "
                 "stroke=\"#ddd\"/>",
                 L, T, W - L - R, H - T - B);
    for (int q = 0; q <= 4; q++) {
        double y = T + (H - T - B) * (1 - q / 4.0);
        sil_buf_addf(b,
                     "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                     "<text x=\"%.0f\" y=\"%.1f\" class=\"ax\" text-anchor=\"end\">%.2g</text>",
                     L, W - R, y, y, L - 3, y + 3, q / 4.0);
    }
    /* the shape's wide and light underneath, the generated thin on top: both show
     * where they coincide */
    for (int series = 1; series <= 2; series++) {
        sil_buf_addf(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s points=\"",
                     series == 1 ? "#bdbdbd" : BLUE, series == 1 ? "5" : "1.5",
                     series == 1 ? " stroke-linejoin=\"round\"" : "");
        for (size_t i = 0; i < n; i++) {
            double px = L + (W - L - R) * (pts[i][0] - lo) / (hi - lo);
            double v = pts[i][series];
            if (!isfinite(v))
                v = 0;
            double py = T + (H - T - B) * (1 - v);
            sil_buf_addf(b, "%.1f,%.1f ", px, py);
        }
        sil_buf_adds(b, "\"/>");
    }
    char a[32], z[32];
    xlabel(a, sizeof a, lo, kind);
    xlabel(z, sizeof z, hi, kind);
    sil_buf_addf(b, "<text x=\"%.0f\" y=\"%.0f\" class=\"ax\">", L, H - B + 12);
    esc(b, a);
    sil_buf_addf(b, "</text><text x=\"%.0f\" y=\"%.0f\" class=\"ax\" text-anchor=\"end\">", W - R,
                 H - B + 12);
    esc(b, z);
    sil_buf_addf(b,
                 "</text><text x=\"%.0f\" y=\"%.0f\" class=\"lg\" fill=\"" GREY
                 "\">- - shape</text><text x=\"%.0f\" y=\"%.0f\" class=\"lg\" fill=\"" BLUE
                 "\">&#8212; generated</text></svg>",
                 L, H - 4, L + 70, H - 4);
}

/* Shares per category: the shape's (grey) and the generated (blue). */
static void bar_svg(struct sil_buf *b, double (*pts)[3], char **labels, size_t n, const char *title)
{
    const double W = 300, row = 18, L = 96, R = 8, T = 6;
    double H = T + row * (double)n + 22;
    double mx = 0;
    for (size_t i = 0; i < n; i++)
        mx = fmax(mx, fmax(pts[i][1], pts[i][2]));
    if (!(mx > 0))
        mx = 1;
    sil_buf_addf(b,
                 "<svg class=\"chart\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
                 "role=\"img\"><title>",
                 W, H, W, H);
    esc(b, title);
    sil_buf_adds(b, "</title>");
    for (size_t i = 0; i < n; i++) {
        double y = T + row * (double)i;
        char lab[40];
        snprintf(lab, sizeof lab, "%.14s%s", labels[i], strlen(labels[i]) > 14 ? "..." : "");
        sil_buf_addf(b, "<text x=\"%.0f\" y=\"%.1f\" class=\"ax\" text-anchor=\"end\">", L - 4,
                     y + 11);
        esc(b, lab);
        sil_buf_adds(b, "</text>");
        double w1 = (W - L - R) * pts[i][1] / mx, w2 = (W - L - R) * pts[i][2] / mx;
        sil_buf_addf(b,
                     "<rect x=\"%.0f\" y=\"%.1f\" width=\"%.1f\" height=\"6\" fill=\"" GREY "\"/>"
                     "<rect x=\"%.0f\" y=\"%.1f\" width=\"%.1f\" height=\"7\" fill=\"" BLUE "\"/>",
                     L, y + 2, w1 < 0.5 ? 0.5 : w1, L, y + 8, w2 < 0.5 ? 0.5 : w2);
    }
    sil_buf_addf(b,
                 "<text x=\"%.0f\" y=\"%.0f\" class=\"lg\" fill=\"" GREY
                 "\">&#9632; shape</text><text x=\"%.0f\" y=\"%.0f\" class=\"lg\" fill=\"" BLUE
                 "\">&#9632; generated</text></svg>",
                 L, H - 6, L + 70, H - 6);
}

static void fmt_value(char *out, size_t n, const struct gen_rcheck *c, double v)
{
    if (c->percent) {
        if (v >= 1)
            snprintf(out, n, "100%%");
        else
            snprintf(out, n, "%.3f%%", v * 100);
    } else {
        snprintf(out, n, "%.4g", v);
    }
}

static void check_row(struct sil_buf *b, const struct gen_rcheck *c)
{
    char m[40], t[40];
    fmt_value(m, sizeof m, c, c->measured);
    fmt_value(t, sizeof t, c, c->threshold);
    sil_buf_addf(b, "<tr class=\"%s\"><td>%s</td><td>", c->passed ? "ok" : "bad",
                 gen_gate_name(c->gate));
    esc(b, c->subject);
    sil_buf_adds(b, "</td><td>");
    esc(b, c->what);
    sil_buf_addf(b, "</td><td class=\"num\">%s</td><td class=\"num\">%s %s</td><td>", m,
                 c->at_least ? "&ge;" : "&le;", t);
    esc(b, c->detail);
    sil_buf_adds(b, "</td></tr>\n");
}

static const char css[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;"
    "margin:24px;color:#212121;background:#fff}"
    "h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 8px;border-bottom:1px solid "
    "#ddd;padding-bottom:4px}h3{font-size:15px;margin:16px 0 6px}"
    ".meta{color:#555;font-size:13px}"
    ".verdict{display:inline-block;padding:6px 14px;border-radius:4px;color:#fff;font-weight:700;"
    "font-size:18px;margin:10px 0}"
    ".score{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:10px;"
    "margin:12px 0}"
    ".gate{border-radius:6px;padding:10px 12px;color:#fff;min-height:92px}"
    ".gate.pass{background:" GREEN "}.gate.fail{background:" RED "}"
    ".gate b{font-size:16px;text-transform:capitalize}.gate .st{float:right;font-weight:700}"
    ".gate p{margin:6px 0 0;font-size:12px;line-height:1.35}"
    "table{border-collapse:collapse;font-size:13px;width:100%}"
    "td,th{border-bottom:1px solid #eee;padding:4px 6px;text-align:left;vertical-align:top}"
    "th{background:#f5f5f5}.num{text-align:right;white-space:nowrap}"
    "tr.bad td{background:#ffebee}"
    ".cols{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:12px}"
    ".col{border:1px solid #e0e0e0;border-radius:6px;padding:8px}"
    ".col.bad{border-color:" RED ";box-shadow:0 0 0 1px " RED "}"
    ".col h4{margin:0 0 4px;font-size:14px}.col .k{font-size:12px;color:#555;margin:2px 0}"
    ".ax{font-size:9px;fill:#555}.lg{font-size:10px}"
    "details{margin:8px 0}summary{cursor:pointer;color:#1565c0}";

/* Marks which charts the browser laid out with a size, for anyone checking. */
static const char script[] =
    "<script>document.addEventListener('DOMContentLoaded',function(){"
    "var s=document.querySelectorAll('svg.chart'),n=0;"
    "for(var i=0;i<s.length;i++){var r=s[i].getBoundingClientRect();"
    "if(r.width>0&&r.height>0)n++;}"
    "document.documentElement.setAttribute('data-charts',String(s.length));"
    "document.documentElement.setAttribute('data-charts-drawn',String(n));});</script>";

char *gen_report_html(const struct gen_report *r)
{
    struct sil_buf b;
    sil_buf_init(&b, 0);
    sil_buf_adds(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                     "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                     "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
                     "<title>Data quality report</title><style>");
    sil_buf_adds(&b, css);
    sil_buf_adds(&b, "</style>");
    sil_buf_adds(&b, script);
    sil_buf_adds(&b, "</head><body>\n<h1>Data quality report</h1>\n<div class=\"meta\">Output ");
    esc(&b, r->dir);
    sil_buf_addf(&b,
                 " &middot; %zu tables, %lld rows in %zu files (%s%s), every file verified "
                 "against its BLAKE2b checksum &middot; manifest ",
                 r->tables, (long long)r->rows, r->files, r->data_format, r->zstd ? ", zstd" : "");
    esc(&b, r->manifest_checksum);
    sil_buf_adds(&b, " &middot; created ");
    esc(&b, r->created_at);
    sil_buf_adds(&b, " &middot; policy ");
    esc(&b, r->gates.file);
    if (r->gates.profile) {
        sil_buf_adds(&b, " (profile ");
        esc(&b, r->gates.profile);
        sil_buf_adds(&b, ")");
    }
    size_t np = 0;
    for (int g = 0; g < GATE__COUNT; g++)
        np += r->gate[g].passed;
    sil_buf_addf(&b,
                 "</div>\n<div class=\"verdict\" id=\"verdict\" style=\"background:%s\">%s: %zu "
                 "of %d gates pass</div>\n",
                 r->passed ? GREEN : RED, r->passed ? "PASSED" : "FAILED", np, GATE__COUNT);
    sil_buf_adds(&b, "<div class=\"score\" id=\"scorecard\">\n");
    for (int g = 0; g < GATE__COUNT; g++) {
        const struct gen_rgate *gt = &r->gate[g];
        sil_buf_addf(&b,
                     "<div class=\"gate %s\"><b>%s</b><span class=\"st\">%s</span>"
                     "<p>%zu checks, %zu failed</p><p>",
                     gt->passed ? "pass" : "fail", gen_gate_name((enum gen_gate)g),
                     gt->passed ? "PASS" : "FAIL", gt->checks, gt->failed);
        esc(&b, gt->summary);
        sil_buf_adds(&b, "</p></div>\n");
    }
    sil_buf_adds(&b, "</div>\n");
    /* failing checks first */
    size_t nf = 0;
    for (size_t i = 0; i < r->nchecks; i++)
        nf += r->checks[i].gated && !r->checks[i].passed &&
              !(r->checks[i].gate == GATE_METADATA && r->checks[i].percent);
    if (nf) {
        sil_buf_addf(&b,
                     "<h2>Failing checks (%zu)</h2>\n<table><tr><th>gate</th><th>subject</th>"
                     "<th>check</th><th>measured</th><th>threshold</th><th>detail</th></tr>\n",
                     nf);
        for (size_t i = 0; i < r->nchecks; i++)
            if (r->checks[i].gated && !r->checks[i].passed &&
                !(r->checks[i].gate == GATE_METADATA && r->checks[i].percent))
                check_row(&b, &r->checks[i]);
        sil_buf_adds(&b, "</table>\n");
    }
    /* per table: columns with their distributions, then foreign keys */
    for (size_t ti = 0; ti < r->ntables; ti++) {
        const struct gen_rtable *t = &r->rtables[ti];
        sil_buf_adds(&b, "<h2>");
        esc(&b, t->schema);
        sil_buf_adds(&b, ".");
        esc(&b, t->name);
        sil_buf_addf(&b, " <span class=\"meta\">%lld rows</span></h2>\n<div class=\"cols\">\n",
                     (long long)t->rows);
        char prefix[300];
        snprintf(prefix, sizeof prefix, "%s.%s.", t->schema, t->name);
        for (size_t c = 0; c < t->ncols; c++) {
            const struct gen_rcolumn *col = &t->cols[c];
            char subj[400];
            snprintf(subj, sizeof subj, "%s%s", prefix, col->name);
            int bad = 0;
            for (size_t i = 0; i < r->nchecks; i++)
                if (strcmp(r->checks[i].subject, subj) == 0 && r->checks[i].gated &&
                    !r->checks[i].passed)
                    bad = 1;
            sil_buf_addf(&b, "<div class=\"col%s\"><h4>", bad ? " bad" : "");
            esc(&b, col->name);
            sil_buf_adds(&b, " <span class=\"meta\">");
            esc(&b, col->type);
            sil_buf_addf(&b, "</span></h4><div class=\"k\">%lld NULLs of %lld</div>\n",
                         (long long)col->nulls, (long long)col->values);
            for (size_t i = 0; i < r->nchecks; i++) {
                const struct gen_rcheck *k = &r->checks[i];
                if (strcmp(k->subject, subj) != 0 || k->gate == GATE_METADATA)
                    continue;
                char m[40], th[40];
                fmt_value(m, sizeof m, k, k->measured);
                fmt_value(th, sizeof th, k, k->threshold);
                sil_buf_addf(&b, "<div class=\"k\" style=\"color:%s\">%s ",
                             !k->gated   ? GREY
                             : k->passed ? GREEN
                                         : RED,
                             !k->gated   ? "&#9675;"
                             : k->passed ? "&#10003;"
                                         : "&#10007;");
                esc(&b, k->what);
                if (k->dist)
                    sil_buf_addf(&b, ": D %.3f, p %.3g%s (sample %zu), D all rows %.4f",
                                 k->dist->d_sample, k->p_adjusted,
                                 k->p_adjusted != k->dist->p ? " adjusted" : "", k->dist->n_sample,
                                 k->dist->d_full);
                else
                    sil_buf_addf(&b, ": %s (%s %s)", m, k->at_least ? "&ge;" : "&le;", th);
                sil_buf_adds(&b, "</div>\n");
            }
            for (size_t d = 0; d < col->ndist; d++) {
                const struct rep_dist *ds = &col->dist[d];
                if (!ds->npts)
                    continue;
                char title[500];
                snprintf(title, sizeof title, "%s: shape and generated", subj);
                if (ds->labels)
                    bar_svg(&b, ds->pts, ds->labels, ds->npts, title);
                else
                    cdf_svg(&b, ds->pts, ds->npts, ds->xkind, title);
            }
            sil_buf_adds(&b, "</div>\n");
        }
        sil_buf_adds(&b, "</div>\n");
        /* foreign keys of this table */
        char fkp[300];
        snprintf(fkp, sizeof fkp, "%s.%s (", t->schema, t->name);
        int any = 0;
        for (size_t i = 0; i < r->nchecks; i++) {
            const struct gen_rcheck *k = &r->checks[i];
            if (k->gate != GATE_LINKAGE || strncmp(k->subject, fkp, strlen(fkp)) != 0)
                continue;
            if (!any)
                sil_buf_adds(&b, "<h3>Foreign keys</h3><div class=\"cols\">\n");
            any = 1;
            char m[40], th[40];
            fmt_value(m, sizeof m, k, k->measured);
            fmt_value(th, sizeof th, k, k->threshold);
            sil_buf_addf(&b, "<div class=\"col%s\"><h4>", k->gated && !k->passed ? " bad" : "");
            esc(&b, k->subject);
            sil_buf_adds(&b, "</h4><div class=\"k\">");
            esc(&b, k->what);
            sil_buf_addf(&b, ": %s (%s %s)</div><div class=\"k\">", m,
                         k->at_least ? "&ge;" : "&le;", th);
            esc(&b, k->detail);
            sil_buf_adds(&b, "</div>");
            if (k->ncpp) {
                char title[500];
                snprintf(title, sizeof title, "%s: children per parent", k->subject);
                cdf_svg(&b, k->cpp, k->ncpp, 0, title);
            }
            sil_buf_adds(&b, "</div>\n");
        }
        if (any)
            sil_buf_adds(&b, "</div>\n");
    }
    /* every check, for the record */
    sil_buf_addf(&b,
                 "<h2>All checks</h2>\n<details><summary>%zu checks in seven gates</summary>"
                 "<table><tr><th>gate</th><th>subject</th><th>check</th><th>measured</th>"
                 "<th>threshold</th><th>detail</th></tr>\n",
                 r->nchecks);
    for (size_t i = 0; i < r->nchecks; i++)
        check_row(&b, &r->checks[i]);
    sil_buf_adds(&b, "</table></details>\n");
    sil_buf_addf(&b,
                 "<h2>How this was measured</h2>\n<p class=\"meta\">Completeness: share of "
                 "non-NULL values in NOT NULL, primary key and policy-required columns. "
                 "Conformity: each value parsed as its SQL type; e-mail, phone, IBAN (mod 97), "
                 "card (Luhn), IP and personal-number formats; enum labels and closed category "
                 "lists. Validity: every check constraint and policy rule evaluated on every row "
                 "with SQL three-valued logic. Uniqueness and linkage: exact (bitmaps for single "
                 "integer keys; hash partitions compared byte for byte otherwise, in at most %zu "
                 "MiB of memory, %llu bytes spilled). Similar distribution: one-sample "
                 "Kolmogorov-Smirnov against the shape's distribution on a sample of %lld rows "
                 "per column (seed %lld)%s, and D on all rows. Endorsement: a domain expert's "
                 "decision on this report is recorded in endorsement.json next to it "
                 "(<code>generator report OUT --endorse</code> or <code>--reject</code>), bound "
                 "to the checksums of this report.json and of manifest.json; "
                 "<code>generator report OUT --verify-endorsement</code> checks it.</p>\n",
                 r->key_budget >> 20, (unsigned long long)r->key_spilled,
                 (long long)r->gates.sample_rows, (long long)r->gates.seed,
                 r->gates.bh ? ", p-values adjusted by Benjamini-Hochberg" : "");
    sil_buf_adds(&b, "</body></html>\n");
    return sil_buf_detach(&b, NULL);
}
