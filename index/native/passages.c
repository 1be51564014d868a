/* The passage stage's inner loops: sentences, a question's terms found in text, and the
 * best window of sentences, for index/passages.py (index/passage_scan.py wraps them).
 *
 * Each loop does what passages.py's regular expressions and loops did, step for step:
 * the sentence pattern (_SENTENCE_END), the terms' pattern (leftmost match, terms tried
 * longest first, backtracking over tone styles and the gaps between syllables) and the
 * window's sums, added in the order Python added them, so spans and scores are bit-equal.
 * A term spec that does not parse raises ValueError; every read is bounded by its buffer.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef Py_UCS4 ch_t;

/* Python's \w and \s (the re module's, for str patterns), and str.lower() of one character:
 * tables for the Basic Multilingual Plane, filled when the module loads */
static unsigned char word_table[65536];
static Py_UCS4 lower_table[65536];
static unsigned char ends_table[128]; /* . ! ? ; : and the newline end a sentence (and …) */

static inline int is_word(ch_t c) { return c < 65536 ? word_table[c] : Py_UNICODE_ISALNUM(c); }

static inline int is_space(ch_t c) {
    if (c < 128) return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
    return Py_UNICODE_ISSPACE(c);
}

static inline ch_t lower(ch_t c) { return c < 65536 ? lower_table[c] : Py_UNICODE_TOLOWER(c); }

/* A text the terms are looked for in, in lower case: lowered by Python (lw 0), or here as
 * each character is read (lw 1: texts without U+0130 and U+03A3, the two characters whose
 * str.lower() is not their lower case alone: longer, or depending on their neighbours) */
#define AT(i) (lw ? lower(x[i]) : x[i])

static void fill_tables(void) {
    for (ch_t c = 0; c < 65536; c++) {
        word_table[c] = Py_UNICODE_ISALNUM(c) || c == '_';
        lower_table[c] = Py_UNICODE_TOLOWER(c);
    }
    for (const char *e = ".!?;:\n"; *e; e++) ends_table[(unsigned char)*e] = 1;
}

/* A str's characters as UCS4 (malloc'd; NULL when memory runs out). */
static ch_t *load(PyObject *s) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    ch_t *out = malloc((size_t)(n ? n : 1) * sizeof(ch_t));
    if (out == NULL) return NULL;
    if (kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *d = data;
        for (Py_ssize_t i = 0; i < n; i++) out[i] = d[i];
    } else if (kind == PyUnicode_2BYTE_KIND) {
        const Py_UCS2 *d = data;
        for (Py_ssize_t i = 0; i < n; i++) out[i] = d[i];
    } else {
        memcpy(out, data, (size_t)n * sizeof(ch_t));
    }
    return out;
}

/* ---- sentences ---------------------------------------------------------------------- */

/* A growing array of tuples of w integers: sentences (start, end), matches (start, end,
 * term); n counts tuples. */
typedef struct {
    Py_ssize_t *v;
    Py_ssize_t n, cap;
} Tuples;
typedef Tuples Spans;
typedef Tuples Found;

static int push(Tuples *t, int w, const Py_ssize_t *values) {
    if (t->n == t->cap) {
        Py_ssize_t cap = t->cap ? t->cap * 2 : 64;
        Py_ssize_t *v = realloc(t->v, (size_t)cap * w * sizeof(Py_ssize_t));
        if (v == NULL) return 0;
        t->v = v;
        t->cap = cap;
    }
    memcpy(t->v + w * t->n, values, w * sizeof(Py_ssize_t));
    t->n++;
    return 1;
}

static int push_span(Spans *s, Py_ssize_t a, Py_ssize_t b) {
    Py_ssize_t v[2] = {a, b};
    return push(s, 2, v);
}

static inline int ends_sentence(ch_t c) { /* (no branch: text mixes ASCII and the rest) */
    return ((c < 128) & ends_table[c & 127]) | (c == 0x2026);
}
static inline int closing(ch_t c) { return c == '"' || c == 0x201D || c == 0x2019 || c == ')'; }
static inline int opening(ch_t c) { return c == '"' || c == 0x201C || c == '('; }

/* The (start, end) of every sentence: passages.each_sentence, without its pattern. */
static int split_sentences(const ch_t *t, Py_ssize_t n, Spans *out) {
    Py_ssize_t start = 0, p = 0;
    while (p < n) {
        ch_t c = t[p];
        if (!ends_sentence(c)) {
            p++;
            continue;
        }
        if (c == '\n') { /* a paragraph: every newline after it goes too */
            Py_ssize_t r = p + 1;
            while (r < n && t[r] == '\n') r++;
            if (p > start && !push_span(out, start, p)) return 0;
            start = r;
            p = r;
            continue;
        }
        /* punctuation, closing quotes, white space, an opening quote, then a word */
        Py_ssize_t q = p + 1;
        while (q < n && closing(t[q])) q++;
        Py_ssize_t r = q;
        while (r < n && is_space(t[r])) r++;
        if (r > q) {
            Py_ssize_t w = r;
            if (w < n && opening(t[w]) && w + 1 < n && is_word(t[w + 1])) w++;
            if (w < n && is_word(t[w])) {
                if (!Py_UNICODE_ISLOWER(t[w])) { /* "TP. HCM" and "3.5" end none */
                    if (q > start && !push_span(out, start, q)) return 0;
                    start = w - (w > r); /* an opening quote belongs to the next one */
                }
                p = w + 1; /* the pattern's match ends after the word's first character */
                continue;
            }
        }
        p++;
    }
    if (start < n && !push_span(out, start, n)) return 0;
    return 1;
}

/* ---- a question's terms ------------------------------------------------------------- */

/* The spec (passage_scan.py packs it, uint32): terms in the order they are tried, each
 *   term index, syllable count, then per syllable: exact (0/1), alternative count,
 *   then per alternative its length and characters.
 * A bare syllable (exact 0) has one alternative, its folded characters: a text character
 * matches one when equal, or when the fold table maps it to it. */
typedef struct {
    const uint32_t *chars;
    Py_ssize_t len;
} Alt;

typedef struct {
    int exact;
    Py_ssize_t n_alts;
    Alt *alts;
} Syl;

typedef struct {
    uint32_t term;
    Py_ssize_t n_syls;
    Syl *syls;
} Term;

typedef struct {
    Py_ssize_t n_terms;
    Term *terms;
    Syl *syl_pool;
    Alt *alt_pool;
    const uint32_t *fold; /* lower-case letter -> its base letter (0: none) */
    Py_ssize_t n_fold;
} Spec;

static void free_spec(Spec *s) {
    free(s->terms);
    free(s->syl_pool);
    free(s->alt_pool);
}

static int bad_spec(void) {
    PyErr_SetString(PyExc_ValueError, "passages: a term spec that does not parse");
    return 0;
}

static int parse_spec(const uint32_t *v, Py_ssize_t n, Spec *s, Py_ssize_t n_weights) {
    memset(s, 0, sizeof(*s));
    /* two passes: count, then fill (pools sized by the counts) */
    Py_ssize_t p = 0, n_syls = 0, n_alts = 0;
    if (n < 1) return bad_spec();
    Py_ssize_t n_terms = v[p++];
    for (Py_ssize_t i = 0; i < n_terms; i++) {
        if (p + 2 > n || v[p] >= (uint64_t)n_weights) return bad_spec();
        Py_ssize_t k = v[p + 1];
        p += 2;
        if (k < 1) return bad_spec();
        n_syls += k;
        for (Py_ssize_t j = 0; j < k; j++) {
            if (p + 2 > n) return bad_spec();
            Py_ssize_t a = v[p + 1];
            p += 2;
            if (a < 1) return bad_spec();
            n_alts += a;
            for (Py_ssize_t m = 0; m < a; m++) {
                if (p >= n || v[p] > (uint64_t)(n - p - 1)) return bad_spec();
                p += 1 + v[p];
            }
        }
    }
    if (p != n) return bad_spec();
    s->terms = calloc(n_terms ? n_terms : 1, sizeof(Term));
    s->syl_pool = calloc(n_syls ? n_syls : 1, sizeof(Syl));
    s->alt_pool = calloc(n_alts ? n_alts : 1, sizeof(Alt));
    if (!s->terms || !s->syl_pool || !s->alt_pool) {
        free_spec(s);
        PyErr_NoMemory();
        return 0;
    }
    s->n_terms = n_terms;
    Syl *sy = s->syl_pool;
    Alt *al = s->alt_pool;
    p = 1;
    for (Py_ssize_t i = 0; i < n_terms; i++) {
        Term *t = &s->terms[i];
        t->term = v[p];
        t->n_syls = v[p + 1];
        t->syls = sy;
        p += 2;
        for (Py_ssize_t j = 0; j < t->n_syls; j++, sy++) {
            sy->exact = v[p] != 0;
            sy->n_alts = v[p + 1];
            sy->alts = al;
            p += 2;
            for (Py_ssize_t m = 0; m < sy->n_alts; m++, al++) {
                al->len = v[p];
                al->chars = v + p + 1;
                p += 1 + v[p];
            }
        }
    }
    return 1;
}

static inline int same_letter(const Spec *s, int exact, ch_t c, uint32_t want) {
    if (c == want) return 1;
    return !exact && (Py_ssize_t)c < s->n_fold && s->fold[c] == want && want != 0;
}

/* Where term `t` ends when its syllable k starts at pos (-1: it does not match there), the
 * pattern's alternatives tried in its order, the gap between syllables longest first. */
static Py_ssize_t match_term(const Spec *s, const Term *t, Py_ssize_t k, const ch_t *x,
                             int lw, Py_ssize_t n, Py_ssize_t pos) {
    const Syl *sy = &t->syls[k];
    for (Py_ssize_t a = 0; a < sy->n_alts; a++) {
        const Alt *al = &sy->alts[a];
        if (pos + al->len > n) continue;
        Py_ssize_t i = 0;
        while (i < al->len && same_letter(s, sy->exact, AT(pos + i), al->chars[i])) i++;
        if (i < al->len) continue;
        Py_ssize_t e = pos + al->len;
        if (k + 1 == t->n_syls) {
            if (e == n || !is_word(AT(e))) return e;
            continue;
        }
        Py_ssize_t r = e; /* [^\w\n]+ between the syllables of one word */
        while (r < n && AT(r) != '\n' && !is_word(AT(r))) r++;
        for (Py_ssize_t q = r; q > e; q--) {
            Py_ssize_t end = match_term(s, t, k + 1, x, lw, n, q);
            if (end >= 0) return end;
        }
    }
    return -1;
}

static int push_found(Found *f, Py_ssize_t a, Py_ssize_t b, Py_ssize_t term) {
    Py_ssize_t v[3] = {a, b, term};
    return push(f, 3, v);
}

/* Every match in a lower-cased text, leftmost first and not overlapping (re.finditer). */
static int find_terms(const Spec *s, const ch_t *x, int lw, Py_ssize_t n, Found *out) {
    /* the characters a term can start with, hashed: most positions are passed at once */
    unsigned char can_open[1024] = {0};
    int anywhere = 0; /* a term opening with an empty syllable: tried at every word's start */
    for (Py_ssize_t i = 0; i < s->n_terms; i++) {
        const Syl *sy = &s->terms[i].syls[0];
        for (Py_ssize_t a = 0; a < sy->n_alts; a++) {
            if (sy->alts[a].len == 0) anywhere = 1;
            else can_open[sy->alts[a].chars[0] & 1023] = 1;
        }
    }
    Py_ssize_t p = 0;
    while (p < n) {
        ch_t c = AT(p);
        ch_t base = c < 128 ? 0 : (Py_ssize_t)c < s->n_fold ? s->fold[c] : 0;
        if ((anywhere || can_open[c & 1023] || (base && can_open[base & 1023])) &&
            (p == 0 || !is_word(AT(p - 1)))) {
            Py_ssize_t end = -1;
            const Term *t = NULL;
            for (Py_ssize_t i = 0; i < s->n_terms && end < 0; i++) {
                t = &s->terms[i];
                const Syl *sy = &t->syls[0];
                Py_ssize_t a = 0; /* (its first letter first: most terms fail there) */
                while (a < sy->n_alts && sy->alts[a].len &&
                       !same_letter(s, sy->exact, c, sy->alts[a].chars[0]))
                    a++;
                if (a < sy->n_alts) end = match_term(s, t, 0, x, lw, n, p);
            }
            if (end > p) {
                if (!push_found(out, p, end, t->term)) return 0;
                p = end;
                continue;
            }
        }
        p++;
    }
    return 1;
}

/* ---- the best window ---------------------------------------------------------------- */

/* sum() of floats as this Python adds them (3.12 added a compensation term) */
typedef struct {
    double f, c;
} Sum;

static inline void sum_add(Sum *s, double x) {
#if PY_VERSION_HEX >= 0x030C0000
    double t = s->f + x;
    if (fabs(s->f) >= fabs(x))
        s->c += (s->f - t) + x;
    else
        s->c += (x - t) + s->f;
    s->f = t;
#else
    s->f += x;
#endif
}

static inline double sum_total(const Sum *s) {
#if PY_VERSION_HEX >= 0x030C0000
    if (s->c && isfinite(s->c)) return s->f + s->c;
#endif
    return s->f;
}

typedef struct {
    Py_ssize_t start, end;
    double score;
} Window;

/* passages._best_window over found matches and sentence spans: 0 when memory runs out. */
static int best_window(const Found *found, const Spans *spans, const double *weights,
                       Py_ssize_t n_weights, Py_ssize_t window, double proximity, Window *out) {
    if (spans->n == 0) {
        *out = (Window){0, 0, 0.0};
        return 1;
    }
    if (found->n == 0) {
        Py_ssize_t last = (window < spans->n ? window : spans->n) - 1;
        *out = (Window){spans->v[0], spans->v[2 * last + 1], 0.0};
        return 1;
    }
    /* per matched sentence: its index, its terms in the order found, its bonus */
    Py_ssize_t nf = found->n;
    Py_ssize_t *sent = malloc((size_t)nf * sizeof(Py_ssize_t));       /* matched sentences */
    Py_ssize_t *first_term = malloc((size_t)(nf + 1) * sizeof(Py_ssize_t)); /* into terms */
    Py_ssize_t *terms = malloc((size_t)nf * sizeof(Py_ssize_t));
    double *bonus = calloc((size_t)nf, sizeof(double));
    Py_ssize_t *tf = malloc((size_t)(n_weights ? n_weights : 1) * sizeof(Py_ssize_t));
    unsigned char *seen = calloc((size_t)(n_weights ? n_weights : 1), 1);
    if (!sent || !first_term || !terms || !bonus || !tf || !seen) {
        free(sent), free(first_term), free(terms), free(bonus), free(tf), free(seen);
        return 0;
    }
    Py_ssize_t ns = 0, nt = 0, si = 0;
    Py_ssize_t last_end = -10, last_term = -1;
    for (Py_ssize_t i = 0; i < nf; i++) {
        Py_ssize_t s = found->v[3 * i], e = found->v[3 * i + 1], ti = found->v[3 * i + 2];
        while (si + 1 < spans->n && spans->v[2 * (si + 1)] <= s) si++;
        if (ns == 0 || sent[ns - 1] != si) {
            sent[ns] = si;
            first_term[ns] = nt;
            ns++;
        }
        Py_ssize_t j = first_term[ns - 1];
        while (j < nt && terms[j] != ti) j++;
        if (j == nt) terms[nt++] = ti;
        if (proximity != 0.0 && ti != last_term && s - last_end >= 0 && s - last_end <= 2) {
            double a = weights[ti], b = weights[last_term];
            bonus[ns - 1] = bonus[ns - 1] + proximity * (b < a ? b : a);
        }
        last_end = e;
        last_term = ti;
    }
    first_term[ns] = nt;
    double best = -1.0;
    Py_ssize_t lo = spans->v[0], hi = spans->v[1];
    for (Py_ssize_t f = 0; f < ns; f++) {
        Py_ssize_t first = sent[f];
        if (window == 1) {
            Sum sum = {0.0, 0.0};
            for (Py_ssize_t j = first_term[f]; j < first_term[f + 1]; j++)
                sum_add(&sum, weights[terms[j]]);
            double score = bonus[f] + sum_total(&sum);
            if (score > best + 1e-9) {
                best = score;
                lo = spans->v[2 * first];
                hi = spans->v[2 * first + 1];
            }
            continue;
        }
        Py_ssize_t n_tf = 0, g = f;
        double extra = 0.0;
        Py_ssize_t stop = first + window < spans->n ? first + window : spans->n;
        for (Py_ssize_t s = first; s < stop; s++) {
            double b = 0.0;
            if (g < ns && sent[g] == s) { /* a sentence with matches: its terms join */
                for (Py_ssize_t j = first_term[g]; j < first_term[g + 1]; j++) {
                    if (!seen[terms[j]]) {
                        seen[terms[j]] = 1;
                        tf[n_tf++] = terms[j];
                    }
                }
                b = bonus[g];
                g++;
            }
            extra += b;
            Sum sum = {0.0, 0.0};
            for (Py_ssize_t j = 0; j < n_tf; j++) sum_add(&sum, weights[tf[j]]);
            double score = extra + sum_total(&sum);
            if (score > best + 1e-9) {
                best = score;
                lo = spans->v[2 * first];
                hi = spans->v[2 * s + 1];
            }
        }
        for (Py_ssize_t j = 0; j < n_tf; j++) seen[tf[j]] = 0;
    }
    *out = (Window){lo, hi, best};
    free(sent), free(first_term), free(terms), free(bonus), free(tf), free(seen);
    return 1;
}

/* ---- Python ------------------------------------------------------------------------- */

/* A str ready to be read without the GIL (3.11 can still hold a legacy one). */
static int ready(PyObject *text) {
#if PY_VERSION_HEX < 0x030C0000
    return PyUnicode_READY(text) == 0;
#else
    (void)text;
    return 1;
#endif
}

static PyObject *tuple_of(const Py_ssize_t *v, int n) {
    PyObject *out = PyTuple_New(n);
    if (out == NULL) return NULL;
    for (int i = 0; i < n; i++) {
        PyObject *item = PyLong_FromSsize_t(v[i]);
        if (item == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyTuple_SET_ITEM(out, i, item);
    }
    return out;
}

static PyObject *sentences(PyObject *self, PyObject *args) {
    PyObject *text;
    if (!PyArg_ParseTuple(args, "U", &text) || !ready(text)) return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    Spans spans = {NULL, 0, 0};
    int ok;
    Py_BEGIN_ALLOW_THREADS
    ch_t *t = load(text);
    ok = t != NULL && split_sentences(t, n, &spans);
    free(t);
    Py_END_ALLOW_THREADS
    PyObject *out = ok ? PyTuple_New(spans.n) : PyErr_NoMemory();
    for (Py_ssize_t i = 0; out != NULL && i < spans.n; i++) {
        PyObject *pair = tuple_of(spans.v + 2 * i, 2);
        if (pair == NULL) Py_CLEAR(out);
        else PyTuple_SET_ITEM(out, i, pair);
    }
    free(spans.v);
    return out;
}

/* The spec from its buffers (fold: the table of bare letters), checked: 0 and an error set
 * when it does not parse. */
static int open_spec(Py_buffer *spec, Py_buffer *fold, Py_ssize_t n_weights, Spec *s) {
    if (spec->len % 4 || fold->len % 4 || (uintptr_t)spec->buf % 4 || (uintptr_t)fold->buf % 4) {
        PyErr_SetString(PyExc_ValueError, "passages: the spec and fold table are uint32");
        return 0;
    }
    if (!parse_spec(spec->buf, spec->len / 4, s, n_weights)) return 0;
    s->fold = fold->buf;
    s->n_fold = fold->len / 4;
    return 1;
}

static int check_lowered(PyObject *text, PyObject *lowered) {
    if (!ready(text) || (lowered != Py_None && !(PyUnicode_Check(lowered) && ready(lowered))))
        return 0;
    if (lowered == Py_None || PyUnicode_GET_LENGTH(lowered) == PyUnicode_GET_LENGTH(text))
        return 1;
    PyErr_SetString(PyExc_ValueError, "passages: lowered is None or a str as long as the text");
    return 0;
}

static PyObject *find(PyObject *self, PyObject *args) {
    PyObject *text, *lowered;
    Py_ssize_t n_terms;
    Py_buffer views[2] = {{0}};
    if (!PyArg_ParseTuple(args, "UOy*y*n", &text, &lowered, &views[0], &views[1], &n_terms))
        return NULL;
    Spec s;
    PyObject *out = NULL;
    if (!check_lowered(text, lowered) || !open_spec(&views[0], &views[1], n_terms, &s))
        goto done;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    Found found = {NULL, 0, 0};
    int ok;
    Py_BEGIN_ALLOW_THREADS
    int lw = lowered == Py_None;
    ch_t *x = load(lw ? text : lowered);
    ok = x != NULL && find_terms(&s, x, lw, n, &found);
    free(x);
    Py_END_ALLOW_THREADS
    out = ok ? PyList_New(found.n) : PyErr_NoMemory();
    for (Py_ssize_t i = 0; out != NULL && i < found.n; i++) {
        PyObject *m = tuple_of(found.v + 3 * i, 3);
        if (m == NULL) Py_CLEAR(out);
        else PyList_SET_ITEM(out, i, m);
    }
    free(found.v);
    free_spec(&s);
done:
    PyBuffer_Release(&views[0]);
    PyBuffer_Release(&views[1]);
    return out;
}

/* One text's best window (runs without the GIL: it reads only the strs it was given);
 * 0 when memory runs out. */
static int one_passage(const Spec *s, PyObject *text, PyObject *lowered, int whole,
                       const double *weights, Py_ssize_t n_weights, Py_ssize_t window,
                       double proximity, Window *w) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    Spans spans = {NULL, 0, 0};
    Found found = {NULL, 0, 0};
    int lw = lowered == Py_None;
    ch_t *t = load(text);
    int ok = t != NULL &&
             (whole ? (n == 0 || push_span(&spans, 0, n)) : split_sentences(t, n, &spans));
    if (ok && spans.n) { /* (no sentence, no window: the text is not searched) */
        ch_t *x = lw ? t : load(lowered);
        ok = x != NULL && find_terms(s, x, lw, n, &found);
        if (x != t) free(x);
    }
    free(t);
    ok = ok && best_window(&found, &spans, weights, n_weights, window, proximity, w);
    free(spans.v);
    free(found.v);
    return ok;
}

static PyObject *passages(PyObject *self, PyObject *args) {
    PyObject *texts_in, *lowered_in;
    int whole;
    Py_ssize_t window;
    double proximity;
    Py_buffer views[3] = {{0}};
    if (!PyArg_ParseTuple(args, "OOpy*y*y*nd", &texts_in, &lowered_in, &whole, &views[0],
                          &views[1], &views[2], &window, &proximity))
        return NULL;
    PyObject *out = NULL, *texts = NULL, *lowered = NULL;
    Window *found = NULL;
    Spec s;
    int have_spec = 0;
    if (views[2].len % sizeof(double) || (uintptr_t)views[2].buf % sizeof(double) ||
        window < 1) {
        PyErr_SetString(PyExc_ValueError, "passages: float64 weights and a window >= 1");
        goto done;
    }
    Py_ssize_t n_weights = views[2].len / (Py_ssize_t)sizeof(double);
    /* tuples: the strs stay referenced, and in place, while the GIL is released */
    texts = PySequence_Tuple(texts_in);
    lowered = texts ? PySequence_Tuple(lowered_in) : NULL;
    if (lowered == NULL) goto done;
    Py_ssize_t n = PyTuple_GET_SIZE(texts);
    if (PyTuple_GET_SIZE(lowered) != n) {
        PyErr_SetString(PyExc_ValueError, "passages: a lowered text (or None) per text");
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *text = PyTuple_GET_ITEM(texts, i);
        if (!PyUnicode_Check(text)) {
            PyErr_SetString(PyExc_TypeError, "passages: texts are strs");
            goto done;
        }
        if (!check_lowered(text, PyTuple_GET_ITEM(lowered, i))) goto done;
    }
    if (!open_spec(&views[0], &views[1], n_weights, &s)) goto done;
    have_spec = 1;
    found = malloc((size_t)(n ? n : 1) * sizeof(Window));
    if (found == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    int ok = 1;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; ok && i < n; i++)
        ok = one_passage(&s, PyTuple_GET_ITEM(texts, i), PyTuple_GET_ITEM(lowered, i), whole,
                         views[2].buf, n_weights, window, proximity, &found[i]);
    Py_END_ALLOW_THREADS
    out = ok ? PyList_New(n) : PyErr_NoMemory();
    for (Py_ssize_t i = 0; out != NULL && i < n; i++) {
        PyObject *w = Py_BuildValue("(nnd)", found[i].start, found[i].end, found[i].score);
        if (w == NULL) Py_CLEAR(out);
        else PyList_SET_ITEM(out, i, w);
    }
done:
    free(found);
    if (have_spec) free_spec(&s);
    Py_XDECREF(texts);
    Py_XDECREF(lowered);
    for (int i = 0; i < 3; i++) PyBuffer_Release(&views[i]);
    return out;
}

static PyObject *folded_syllables(PyObject *self, PyObject *args) {
    PyObject *text;
    Py_buffer table = {0};
    if (!PyArg_ParseTuple(args, "Uy*", &text, &table)) return NULL;
    if (!ready(text)) {
        PyBuffer_Release(&table);
        return NULL;
    }
    PyObject *out = NULL;
    if (table.len % 4 || (uintptr_t)table.buf % 4) {
        PyErr_SetString(PyExc_ValueError, "passages: the fold table is uint32");
        goto done;
    }
    const uint32_t *fold = table.buf;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), n_fold = table.len / 4;
    ch_t *t = load(text);
    if (t == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    out = PyList_New(0);
    Py_ssize_t start = -1;
    for (Py_ssize_t i = 0; out != NULL && i <= n; i++) {
        ch_t c = 0;
        if (i < n) {
            c = t[i];
            if ((Py_ssize_t)c < n_fold && fold[c]) c = t[i] = fold[c];
        }
        int in_syllable = i < n && c != '_' && is_word(c); /* [^\W_] */
        if (in_syllable && start < 0) start = i;
        if (!in_syllable && start >= 0) {
            PyObject *s = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, t + start, i - start);
            if (s == NULL || PyList_Append(out, s) < 0) Py_CLEAR(out);
            Py_XDECREF(s);
            start = -1;
        }
    }
    free(t);
done:
    PyBuffer_Release(&table);
    return out;
}

PyDoc_STRVAR(folded_syllables_doc,
             "folded_syllables(text, table) -> [syllable]: each character through the table"
             " (str.translate), then its runs of letters and digits (re [^\\W_]+).");
PyDoc_STRVAR(sentences_doc, "sentences(text) -> ((start, end), ...): passages.sentences.");
PyDoc_STRVAR(find_doc, "find(text, lowered, spec, fold, n_terms) -> [(start, end, term)]:"
                       " Matcher.find (lowered: text.lower() where C may not lower, or None).");
PyDoc_STRVAR(passages_doc,
             "passages(texts, lowered, whole, spec, fold, weights, window, proximity)"
             " -> [(start, end, score)]: each text's best window (whole: a text is one"
             " sentence; lowered: each text.lower() where C may not lower it, or None).");

static PyMethodDef methods[] = {
    {"sentences", sentences, METH_VARARGS, sentences_doc},
    {"find", find, METH_VARARGS, find_doc},
    {"passages", passages, METH_VARARGS, passages_doc},
    {"folded_syllables", folded_syllables, METH_VARARGS, folded_syllables_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "passages",
    "The passage stage's loops: sentences, terms found, best windows (index/passage_scan.py).",
    -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_passages(void) {
    fill_tables();
    return PyModule_Create(&module);
}
