/* libFuzzer target: the template reader, its conversion to a shape, and the
 * planning and rendering of a few rows must reject or accept, never crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "plan.h"
#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct sil_err err;
    sil_err_clear(&err);
    struct gen_template *t = gen_template_parse(text, size, "fuzz", &err);
    if (t) {
        struct sil_shape *s = gen_template_apply(t, NULL, &err);
        int small = s != NULL;
        for (size_t i = 0; s && i < s->ntables; i++)
            small &= s->tables[i].row_count <= 2000;
        if (s && small) {
            struct gen_sizing sz;
            memset(&sz, 0, sizeof sz);
            sz.scale = 1;
            struct gen_plan *p = gen_plan_new(s, t, 1, &sz, &err);
            if (p) {
                struct gen_val *v = malloc(sizeof *v);
                struct gen_rbuf b = {0};
                for (size_t i = 0; i < p->ntables; i++) {
                    struct gen_table *gt = &p->tables[i];
                    struct gen_cursor *c = gen_cursor_new(gt);
                    for (int f = 0; f < 4; f++) {
                        b.len = 0;
                        gen_render_rows(p, gt, (enum gen_format)f, 0, gt->rows < 3 ? gt->rows : 3,
                                        c, v, &b);
                    }
                    gen_cursor_free(c);
                }
                free(b.p);
                free(v);
                gen_plan_free(p);
            } else {
                sil_shape_free(s);
            }
        } else {
            sil_shape_free(s);
        }
        gen_template_free(t);
    }
    free(text);
    return 0;
}
