/* The ranker's inner loops: packed postings decoded, scored and added in one pass.
 *
 * Arrays come through the buffer protocol (no numpy C API); index/scoring.py checks their
 * dtypes, and every index read here is checked against its buffer: a damaged segment raises
 * ValueError, it never reads or writes out of bounds. The arithmetic is numpy's, operation
 * for operation (FieldPostings.contributions, index/scan.py), so scores are bit-equal.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define INLINE static inline __attribute__((always_inline))

/* A buffer's length in items of `size` bytes; -1 (and an error set) when its byte length
 * or its address is not whole items (an empty one may lie anywhere). */
static Py_ssize_t items(Py_buffer *b, size_t size, const char *name) {
    if (b->len % (Py_ssize_t)size || (b->len && (uintptr_t)b->buf % size)) {
        PyErr_Format(PyExc_ValueError, "%s: not an array of %zu-byte items", name, size);
        return -1;
    }
    return b->len / (Py_ssize_t)size;
}

static void release(Py_buffer *views, int n) {
    for (int i = 0; i < n; i++) {
        if (views[i].obj != NULL) PyBuffer_Release(&views[i]);
    }
}

static const char DAMAGED[] = "damaged postings: a gap, an exception or a docno out of range";

/* ---- reading packed postings (index/packed.py) ---- */

/* A term's postings, decoded one by one: docno and tf. */
typedef struct {
    const uint8_t *gaps, *tf4;
    const int32_t *gapx;
    const uint16_t *tfx;
    Py_ssize_t n_gapx, n_tfx, gx, tx, p;
    int64_t doc;
} Cursor;

/* The next posting (p, doc and tf advanced); 0 when the exceptions run out or a gap is not
 * positive (a damaged segment). */
INLINE int next_posting(Cursor *c, uint32_t *tf) {
    Py_ssize_t p = c->p++;
    int64_t gap = c->gaps[p];
    if (gap == 0) { /* ESCAPE: the gap is in gapx */
        if (c->gx >= c->n_gapx) return 0;
        gap = c->gapx[c->gx++];
        if (gap <= 0) return 0;
    }
    c->doc += gap;
    if (tf != NULL) {
        uint32_t t = (c->tf4[p >> 1] >> ((p & 1) << 2)) & 15;
        if (t == 0) {
            if (c->tx >= c->n_tfx) return 0;
            t = c->tfx[c->tx++];
        }
        *tf = t;
    }
    return 1;
}

/* Checks the packed arrays (gaps, gapx[, tf4, tfx] in v) and lo:hi against each other, and
 * fills a cursor; 0: an error is set. gx, tx: the exceptions before posting lo. */
static int open_cursor(Cursor *c, Py_buffer *v, Py_ssize_t lo, Py_ssize_t hi, Py_ssize_t gx,
                       Py_ssize_t tx, int with_tfs) {
    Py_ssize_t n_gaps = items(&v[0], 1, "gaps"), n_gapx = items(&v[1], 4, "gapx");
    if (n_gaps < 0 || n_gapx < 0) return 0;
    Py_ssize_t n_tf4 = 0, n_tfx = 0;
    if (with_tfs) {
        n_tf4 = items(&v[2], 1, "tf4");
        n_tfx = items(&v[3], 2, "tfx");
        if (n_tf4 < 0 || n_tfx < 0) return 0;
    }
    if (lo < 0 || hi < lo || hi > n_gaps || gx < 0 || gx > n_gapx ||
        (with_tfs && (tx < 0 || tx > n_tfx || (hi + 1) / 2 > n_tf4))) {
        PyErr_SetString(PyExc_ValueError, "postings out of the segment's arrays");
        return 0;
    }
    *c = (Cursor){.gaps = v[0].buf, .gapx = v[1].buf, .n_gapx = n_gapx, .gx = gx, .p = lo,
                  .doc = -1 /* gaps count from -1 */};
    if (with_tfs) {
        c->tf4 = v[2].buf;
        c->tfx = v[3].buf;
        c->n_tfx = n_tfx;
        c->tx = tx;
    }
    return 1;
}

/* ---- a term's BM25 parts ---- */

enum { PLUS_UNIT = 1, MINUS_UNIT = 2, TIMES_WEIGHT = 4 };

typedef struct {
    double k1p1, idf, unit, weight;
} Scoring;

/* tf * (k1 + 1) / (norm + tf) * idf, then the flags' steps: numpy's operations in
 * FieldPostings.contributions' order (no FMA on x86-64 without -march: each op rounds). */
INLINE double part(uint32_t tf, double norm, const Scoring *s, int flags) {
    double f = (double)tf;
    double w = f * s->k1p1;
    w /= norm + f;
    w *= s->idf;
    if (flags & PLUS_UNIT) w += s->unit;
    if (flags & MINUS_UNIT) w -= s->unit;
    if (flags & TIMES_WEIGHT) w *= s->weight;
    return w;
}

/* One term's postings from the cursor up to p == hi, and then its delta's (explicit
 * docnos, ascending), added below docno `below` into out; the next docno is kept in *doc
 * (-1: none left). flags is a constant where this is inlined: one loop per case. */
typedef struct {
    Cursor c;
    Py_ssize_t hi, di, dn, n_lut;
    const int32_t *ddocs;
    const uint16_t *dtfs, *codes;
    const double *norm; /* of each docno, or (codes) of each code: a length's */
    int64_t limit, doc;
    uint32_t tf;
    Scoring s;
    int flags, target;
    Py_buffer v[8]; /* gaps, gapx, tf4, tfx, norm, delta docs, delta tfs, codes */
} Term;

/* The term's next posting into doc and tf (doc -1: none left); 0 on damage. */
INLINE int step(Term *t, Cursor *c, int64_t *doc, uint32_t *tf, Py_ssize_t *di) {
    int64_t last = *doc;
    if (c->p < t->hi) {
        if (!next_posting(c, tf)) return 0;
        *doc = c->doc;
        return *doc < t->limit;
    }
    if (*di < t->dn) {
        *doc = t->ddocs[*di];
        *tf = t->dtfs[(*di)++];
        return *doc > last && *doc < t->limit;
    }
    *doc = -1;
    return 1;
}

INLINE int run(Term *t, double *out, int64_t off, int64_t below, int flags, int coded) {
    Cursor c = t->c; /* locals: kept in registers through the loop */
    int64_t doc = t->doc;
    uint32_t tf = t->tf;
    Py_ssize_t di = t->di;
    const double *norm = t->norm;
    const uint16_t *codes = t->codes;
    const Scoring s = t->s;
    int ok = 1;
    while (doc >= 0 && doc < below) {
        double nd;
        if (coded) { /* a length's code: 2 bytes a docno to read, not 8 */
            uint32_t code = codes[doc];
            if (code >= t->n_lut) {
                ok = 0;
                break;
            }
            nd = norm[code];
        } else {
            nd = norm[doc];
        }
        out[doc - off] += part(tf, nd, &s, flags);
        if (!step(t, &c, &doc, &tf, &di)) {
            ok = 0;
            break;
        }
    }
    t->c = c;
    t->doc = doc;
    t->tf = tf;
    t->di = di;
    return ok;
}

/* run() with the term's flags as a constant (the cases FieldPostings uses, then any). */
static int run_term(Term *t, double *out, int64_t off, int64_t below) {
    if (t->codes == NULL) return run(t, out, off, below, t->flags, 0);
    switch (t->flags) {
    case 0: return run(t, out, off, below, 0, 1);
    case PLUS_UNIT: return run(t, out, off, below, PLUS_UNIT, 1);
    case TIMES_WEIGHT: return run(t, out, off, below, TIMES_WEIGHT, 1);
    default: return run(t, out, off, below, t->flags, 1);
    }
}

/* Checks a term's arrays (v[0:4] packed, v[4] norm, v[5:7] delta, v[7] codes) and fills
 * it; its first posting is read. 0: an error is set. n: the length of its output. */
static int open_term(Term *t, Py_ssize_t lo, Py_ssize_t gx, Py_ssize_t tx, double k1, Py_ssize_t n) {
    Py_ssize_t n_norm = items(&t->v[4], 8, "norm");
    Py_ssize_t dn = t->v[5].obj ? items(&t->v[5], 4, "delta docs") : 0;
    Py_ssize_t n_dtfs = t->v[6].obj ? items(&t->v[6], 2, "delta tfs") : 0;
    Py_ssize_t n_codes = t->v[7].obj ? items(&t->v[7], 2, "codes") : 0;
    if (n_norm < 0 || dn < 0 || n_dtfs < 0 || n_codes < 0 ||
        !open_cursor(&t->c, t->v, lo, t->hi, gx, tx, 1))
        return 0;
    if (n_dtfs != dn) {
        PyErr_SetString(PyExc_ValueError, "a term's delta docnos and tfs differ in length");
        return 0;
    }
    t->ddocs = t->v[5].buf;
    t->dtfs = t->v[6].buf;
    t->dn = dn;
    t->di = 0;
    t->norm = t->v[4].buf;
    t->codes = t->v[7].obj ? t->v[7].buf : NULL;
    t->n_lut = n_norm;
    Py_ssize_t known = t->codes ? n_codes : n_norm; /* the docnos with a length */
    t->limit = known < n ? known : n;
    t->s.k1p1 = k1 + 1.0;
    t->doc = -1;
    if (!step(t, &t->c, &t->doc, &t->tf, &t->di)) {
        PyErr_SetString(PyExc_ValueError, DAMAGED);
        return 0;
    }
    return 1;
}

PyDoc_STRVAR(scatter_doc,
"scatter(gaps, gapx, tf4, tfx, lo, hi, gx, tx, norm, out, k1, idf, unit, weight, flags)\n"
"Add each posting's BM25 part of a term, postings lo:hi, into out[docno].\n\n"
"The part is tf * (k1 + 1) / (norm[docno] + tf) * idf, then + unit (flags & 1), - unit\n"
"(flags & 2), * weight (flags & 4): numpy's operations in numpy's order.");

static PyObject *scatter(PyObject *self, PyObject *args) {
    Term t = {0};
    Py_buffer out = {0};
    Py_ssize_t lo, gx, tx;
    double k1;
    if (!PyArg_ParseTuple(args, "y*y*y*y*nnnny*w*ddddi", &t.v[0], &t.v[1], &t.v[2], &t.v[3],
                          &lo, &t.hi, &gx, &tx, &t.v[4], &out, &k1, &t.s.idf, &t.s.unit,
                          &t.s.weight, &t.flags))
        return NULL;
    Py_ssize_t n = items(&out, 8, "out");
    int ok = n >= 0 && open_term(&t, lo, gx, tx, k1, n);
    if (ok) {
        Py_BEGIN_ALLOW_THREADS
        ok = run_term(&t, out.buf, 0, INT64_MAX);
        Py_END_ALLOW_THREADS
        if (!ok) PyErr_SetString(PyExc_ValueError, DAMAGED);
    }
    release(t.v, 8);
    release(&out, 1);
    if (!ok) return NULL;
    Py_RETURN_NONE;
}

PyDoc_STRVAR(decode_doc,
"decode(gaps, gapx, tf4, tfx, lo, hi, gx, tx, docs, tfs)\n"
"The docnos (int64) and tfs (uint16) of postings lo:hi into docs and tfs (hi - lo each).");

static PyObject *decode(PyObject *self, PyObject *args) {
    Py_buffer v[6] = {{0}};
    Py_ssize_t lo, hi, gx, tx;
    if (!PyArg_ParseTuple(args, "y*y*y*y*nnnnw*w*", &v[0], &v[1], &v[2], &v[3], &lo, &hi, &gx,
                          &tx, &v[4], &v[5]))
        return NULL;
    Cursor c;
    Py_ssize_t n_docs = items(&v[4], 8, "docs"), n_tfs = items(&v[5], 2, "tfs");
    int ok = n_docs >= 0 && n_tfs >= 0 && open_cursor(&c, v, lo, hi, gx, tx, 1);
    if (ok && (n_docs < hi - lo || n_tfs < hi - lo)) {
        PyErr_SetString(PyExc_ValueError, "decode: the outputs are shorter than the postings");
        ok = 0;
    }
    if (ok) {
        int64_t *docs = v[4].buf;
        uint16_t *tfs = v[5].buf;
        Py_BEGIN_ALLOW_THREADS
        uint32_t tf = 0;
        for (Py_ssize_t i = 0; c.p < hi && ok; i++) {
            ok = next_posting(&c, &tf);
            docs[i] = c.doc;
            tfs[i] = (uint16_t)tf;
        }
        Py_END_ALLOW_THREADS
        if (!ok) PyErr_SetString(PyExc_ValueError, DAMAGED);
    }
    release(v, 6);
    if (!ok) return NULL;
    Py_RETURN_NONE;
}

PyDoc_STRVAR(mark_doc,
"mark(gaps, gapx, tf4, tfx, lo, hi, gx, tx, out, tfs)\n"
"For each posting lo:hi, out[docno] (bytes) = its tf up to 255 (tfs), or 1.");

static PyObject *mark(PyObject *self, PyObject *args) {
    Py_buffer v[5] = {{0}}; /* gaps, gapx, tf4, tfx, out */
    Py_ssize_t lo, hi, gx, tx;
    int tfs;
    if (!PyArg_ParseTuple(args, "y*y*y*y*nnnnw*p", &v[0], &v[1], &v[2], &v[3], &lo, &hi, &gx,
                          &tx, &v[4], &tfs))
        return NULL;
    Cursor c;
    Py_ssize_t n_out = items(&v[4], 1, "out");
    int ok = n_out >= 0 && open_cursor(&c, v, lo, hi, gx, tx, tfs);
    if (ok) {
        uint8_t *out = v[4].buf;
        uint32_t tf = 1;
        Py_BEGIN_ALLOW_THREADS
        while (c.p < hi && ok) {
            ok = next_posting(&c, tfs ? &tf : NULL) && c.doc < n_out;
            if (ok) out[c.doc] = tf < 255 ? (uint8_t)tf : 255;
        }
        Py_END_ALLOW_THREADS
        if (!ok) PyErr_SetString(PyExc_ValueError, DAMAGED);
    }
    release(v, 5);
    if (!ok) return NULL;
    Py_RETURN_NONE;
}

/* ---- matches, and syllable sums: each of their postings added unit + its part ---- */

typedef struct {
    double unit, weight, need, low;
    int sums, or_scores; /* packed holds sums; a score other than 0 matches */
    const uint8_t *alive; /* NULL: every docno is */
    Py_ssize_t n_alive;
    int64_t *doubt; /* NULL: no doubts asked */
    double *held;
    Py_ssize_t off; /* the docno of the sums' first */
    double *sample; /* NULL, or the scores of every 64th docno that matches */
    Py_ssize_t sampled;
} Finish;

/* Every 64th docno's score, if it matches, into the sample (top()'s bar; room: n / 64). */
INLINE void sample(Finish *f, const double *scores, const uint8_t *matched, Py_ssize_t d) {
    if (f->sample != NULL && (d & 63) == 0 && matched[d]) f->sample[f->sampled++] = scores[d];
}

/* One docno of finish(): hit holds what matches it besides its holders in matched. */
INLINE void finish_one(double *scores, double *sums, uint8_t *matched, Py_ssize_t d,
                       Finish *f, Py_ssize_t *found) {
    double count = 0.0;
    int hit = f->or_scores && scores[d] != 0.0;
    if (f->sums) {
        double *sum = sums + (d - f->off); /* the sums start at docno off */
        double x = *sum * (1.0 / f->unit);
        x = x < 1073741824.0 ? x : 1073741824.0;
        x = x > 0.0 ? x : 0.0;
        count = (double)(int32_t)x;
        double p = *sum - count * f->unit;
        p *= f->weight;
        scores[d] += p;
        hit |= count >= f->need;
        *sum = count;
    }
    uint8_t m = matched[d] | hit;
    int live = f->alive == NULL || (d < f->n_alive && f->alive[d]);
    if (f->doubt != NULL && !m && live && count >= f->low) {
        f->doubt[*found] = d; /* found <= d: in bounds when doubt is as long as scores */
        f->held[(*found)++] = count;
    }
    matched[d] = m & live;
    sample(f, scores, matched, d);
}

/* Docnos d0:d1 once their terms are added: matched (holding the deferred words' holders)
 * is set where the score is not 0 (or_scores) and, with sums, the count of syllables
 * (integer part of sum / unit) reaches need, scores += (sum - count * unit) * weight, and
 * the counts replace the sums; the unmatched live docnos whose count reaches low are the
 * doubts; then matched is kept for the live ones. numpy's operations, two docnos at a time
 * (SSE2 rounds each as the scalar ops do). The sums are below 2^30 units (a count of
 * syllables) and >= 0 (a part is far below unit): there truncation is floor. */
#ifdef __SSE2__
/* Eight pairs of 64-bit lane masks (all ones or zeros) as 16 bytes (0xff or 0), in order. */
INLINE __m128i bytes_of(const __m128d *m) {
    __m128i q[4];
    for (int k = 0; k < 4; k++) {
        __m128i a = _mm_shuffle_epi32(_mm_castpd_si128(m[2 * k]), _MM_SHUFFLE(2, 0, 2, 0));
        __m128i b = _mm_shuffle_epi32(_mm_castpd_si128(m[2 * k + 1]), _MM_SHUFFLE(2, 0, 2, 0));
        q[k] = _mm_unpacklo_epi64(a, b); /* four docnos' masks as int32 */
    }
    return _mm_packs_epi16(_mm_packs_epi32(q[0], q[1]), _mm_packs_epi32(q[2], q[3]));
}
#endif

static void finish(double *scores, double *sums, uint8_t *matched, Py_ssize_t d0,
                   Py_ssize_t d1, Finish *f, Py_ssize_t *found) {
    Py_ssize_t d = d0;
#ifdef __SSE2__
    const __m128d zero = _mm_setzero_pd(), scale = _mm_set1_pd(1.0 / f->unit);
    const __m128d cap = _mm_set1_pd(1073741824.0), unit = _mm_set1_pd(f->unit);
    const __m128d weight = _mm_set1_pd(f->weight), need = _mm_set1_pd(f->need);
    const __m128d low = _mm_set1_pd(f->low);
    const __m128i one = _mm_set1_epi8(1), none = _mm_setzero_si128();
    /* 16 docnos a step: their matches as one vector of bytes */
    for (; d + 16 <= d1 && (f->alive == NULL || d + 16 <= f->n_alive); d += 16) {
        __m128d hit[8], reach[8];
        for (int k = 0; k < 8; k++) {
            double *at = scores + d + 2 * k;
            __m128d sc = _mm_loadu_pd(at);
            hit[k] = f->or_scores ? _mm_cmpneq_pd(sc, zero) : zero;
            reach[k] = zero;
            if (f->sums) {
                double *in = sums + (d - f->off) + 2 * k; /* the sums start at docno off */
                __m128d sum = _mm_loadu_pd(in);
                __m128d x = _mm_max_pd(_mm_min_pd(_mm_mul_pd(sum, scale), cap), zero);
                __m128d count = _mm_cvtepi32_pd(_mm_cvttpd_epi32(x));
                __m128d p = _mm_mul_pd(_mm_sub_pd(sum, _mm_mul_pd(count, unit)), weight);
                _mm_storeu_pd(at, _mm_add_pd(sc, p));
                _mm_storeu_pd(in, count);
                hit[k] = _mm_or_pd(hit[k], _mm_cmpge_pd(count, need));
                reach[k] = _mm_cmpge_pd(count, low);
            }
        }
        __m128i m = _mm_or_si128(_mm_loadu_si128((const __m128i *)(matched + d)),
                                 _mm_and_si128(bytes_of(hit), one));
        __m128i live = f->alive ? _mm_loadu_si128((const __m128i *)(f->alive + d)) : one;
        if (f->doubt != NULL) { /* unmatched live ones within reach: few, in order */
            __m128i unmatched = _mm_cmpeq_epi8(m, none), alive = _mm_cmpgt_epi8(live, none);
            __m128i in = _mm_and_si128(_mm_and_si128(bytes_of(reach), unmatched), alive);
            for (int bits = _mm_movemask_epi8(in), i = 0; bits; i++, bits >>= 1) {
                if (bits & 1) {
                    f->doubt[*found] = d + i;
                    f->held[(*found)++] = sums[d - f->off + i];
                }
            }
        }
        _mm_storeu_si128((__m128i *)(matched + d), _mm_and_si128(m, live));
        sample(f, scores, matched, d);
    }
#endif
    for (; d < d1; d++) finish_one(scores, sums, matched, d, f, found);
}

PyDoc_STRVAR(syllables_doc,
"syllables(packed, scores, matched, unit, need, low, weight, doubt, held) -> int\n"
"Split each article's syllable sum into its count (floor of packed / unit) and its\n"
"score: matched[d] = 1 when the count reaches need; scores[d] += (packed[d] - count *\n"
"unit) * weight; packed gets the counts. The unmatched docnos whose count reaches low\n"
"(< need) go to doubt, and their counts to held: returns how many.");

static PyObject *syllables(PyObject *self, PyObject *args) {
    Py_buffer v[5] = {{0}};
    Finish f = {.sums = 1};
    long need, low;
    if (!PyArg_ParseTuple(args, "w*w*w*dlldw*w*", &v[0], &v[1], &v[2], &f.unit, &need, &low,
                          &f.weight, &v[3], &v[4]))
        return NULL;
    f.need = (double)need;
    f.low = (double)low;
    Py_ssize_t n = items(&v[0], 8, "packed"), n_scores = items(&v[1], 8, "scores");
    Py_ssize_t n_matched = items(&v[2], 1, "matched"), n_doubt = items(&v[3], 8, "doubt");
    Py_ssize_t n_held = items(&v[4], 8, "held"), found = 0;
    int ok = n >= 0 && n_scores >= 0 && n_matched >= 0 && n_doubt >= 0 && n_held >= 0;
    if (ok && (n_scores != n || n_matched != n || (low < need && (n_doubt < n || n_held < n)) ||
               !(f.unit > 0))) {
        PyErr_SetString(PyExc_ValueError, "syllables: arrays of different lengths");
        ok = 0;
    }
    if (ok) {
        if (low < need) {
            f.doubt = v[3].buf;
            f.held = v[4].buf;
        }
        Py_BEGIN_ALLOW_THREADS
        finish(v[1].buf, v[0].buf, v[2].buf, 0, n, &f, &found);
        Py_END_ALLOW_THREADS
    }
    release(v, 5);
    return ok ? PyLong_FromSsize_t(found) : NULL;
}

/* ---- the whole scan ---- */

PyDoc_STRVAR(rank_doc,
"rank(terms, alive, scores, matched, unit, need, low, weight, doubt, held, chunk, sample)"
" -> (int, int)\n"
"index/scan.py's scores and matches, a chunk of docnos at a time (kept in cache).\n\n"
"terms: (target, gaps, gapx, tf4, tfx, lo, hi, gx, tx, codes, lut, k1, idf, unit,\n"
"weight, flags, delta docs, delta tfs) each, as scatter() takes them but for the norm:\n"
"lut[codes[docno]] (uint16 codes), into scores (target 0) or\n"
"the syllable sums (1, a chunk's at a time). Per docno: scores and sums start at 0, the terms\n"
"add in their order; matched (holding the deferred words' holders) is set where the\n"
"score is not 0, then syllables() is done (if any term has target 1), and matched is\n"
"kept for the alive docnos only; the doubts are alive ones. The scores of every 64th\n"
"docno that matches go to sample (n / 64 long, or empty: none). Returns how many doubts\n"
"and how many sampled.");

static PyObject *rank(PyObject *self, PyObject *args) {
    PyObject *specs;
    Py_buffer v[7] = {{0}}; /* alive, scores, sample, matched, doubt, held */
    double unit, weight;
    long need, low;
    Py_ssize_t chunk, opened = 0, found = 0;
    if (!PyArg_ParseTuple(args, "O!y*w*w*dlldw*w*nw*", &PyTuple_Type, &specs, &v[0], &v[1],
                          &v[3], &unit, &need, &low, &weight, &v[4], &v[5], &chunk, &v[2]))
        return NULL;
    Py_ssize_t n_terms = PyTuple_GET_SIZE(specs);
    Term *terms = PyMem_Calloc(n_terms ? n_terms : 1, sizeof(Term));
    double *sums = NULL; /* a chunk's syllable sums */
    PyObject *result = NULL;
    if (terms == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t n_alive = items(&v[0], 1, "alive"), n = items(&v[1], 8, "scores");
    Py_ssize_t n_matched = items(&v[3], 1, "matched"), n_sample = items(&v[2], 8, "sample");
    Py_ssize_t n_doubt = items(&v[4], 8, "doubt"), n_held = items(&v[5], 8, "held");
    if (n_alive < 0 || n < 0 || n_matched < 0 || n_doubt < 0 || n_held < 0 || n_sample < 0)
        goto done;
    int syllables = 0;
    for (; opened < n_terms; opened++) {
        Term *t = &terms[opened];
        Py_ssize_t lo, gx, tx;
        double k1;
        PyObject *spec = PyTuple_GET_ITEM(specs, opened);
        if (!PyArg_ParseTuple(spec, "iy*y*y*y*nnnny*y*ddddiy*y*", &t->target, &t->v[0],
                              &t->v[1], &t->v[2], &t->v[3], &lo, &t->hi, &gx, &tx, &t->v[7],
                              &t->v[4], &k1, &t->s.idf, &t->s.unit, &t->s.weight, &t->flags,
                              &t->v[5], &t->v[6]))
            goto done;
        if (!open_term(t, lo, gx, tx, k1, n)) goto done;
        if (t->target < 0 || t->target > 1) {
            PyErr_SetString(PyExc_ValueError, "rank: a term's target is 0 or 1");
            goto done;
        }
        syllables |= t->target;
    }
    int doubting = syllables && low < need;
    if (n_matched != n || (doubting && (n_doubt < n || n_held < n)) || !(unit > 0) ||
        chunk < 1 || (n_sample && n_sample < (n + 63) / 64)) {
        PyErr_SetString(PyExc_ValueError, "rank: arrays of different lengths");
        goto done;
    }
    sums = PyMem_Malloc((syllables ? chunk : 1) * sizeof(double)); /* stays in cache */
    if (sums == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Finish f = {.unit = unit, .weight = weight, .need = (double)need, .low = (double)low,
                .sums = syllables, .or_scores = 1, .alive = v[0].buf, .n_alive = n_alive,
                .doubt = doubting ? v[4].buf : NULL, .held = v[5].buf,
                .sample = n_sample ? v[2].buf : NULL};
    double *scores = v[1].buf;
    uint8_t *matched = v[3].buf;
    int ok = 1;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t c0 = 0; c0 < n && ok; c0 += chunk) {
        Py_ssize_t c1 = c0 + chunk < n ? c0 + chunk : n;
        memset(scores + c0, 0, (c1 - c0) * sizeof(double));
        if (syllables) memset(sums, 0, (c1 - c0) * sizeof(double));
        for (Py_ssize_t i = 0; i < n_terms && ok; i++) {
            Term *t = &terms[i];
            ok = t->target ? run_term(t, sums, c0, c1) : run_term(t, scores, 0, c1);
        }
        f.off = c0;
        finish(scores, sums, matched, c0, c1, &f, &found);
    }
    Py_END_ALLOW_THREADS
    if (!ok)
        PyErr_SetString(PyExc_ValueError, DAMAGED);
    else
        result = Py_BuildValue("nn", found, f.sampled);
done:
    for (Py_ssize_t i = 0; terms != NULL && i <= opened && i < n_terms; i++)
        release(terms[i].v, 8); /* (a term that failed half-way holds some) */
    PyMem_Free(terms);
    PyMem_Free(sums);
    release(v, 7);
    return result;
}

/* ---- the docnos above a bar ---- */

PyDoc_STRVAR(select_doc,
"select(scores, matched, low, strict, high, out) -> int\n"
"How many matched docnos score above low (strict) or at least low, and below high; the\n"
"first len(out) of them, ascending, go to out.");

static PyObject *select_above(PyObject *self, PyObject *args) {
    Py_buffer v[3] = {{0}};
    double low, high;
    int strict;
    if (!PyArg_ParseTuple(args, "y*y*dpdw*", &v[0], &v[1], &low, &strict, &high, &v[2]))
        return NULL;
    Py_ssize_t n = items(&v[0], 8, "scores"), n_matched = items(&v[1], 1, "matched");
    Py_ssize_t room = items(&v[2], 8, "out"), found = 0;
    int ok = n >= 0 && n_matched >= 0 && room >= 0;
    if (ok && n_matched != n) {
        PyErr_SetString(PyExc_ValueError, "select: scores and matched differ in length");
        ok = 0;
    }
    if (ok) {
        const double *scores = v[0].buf;
        const uint8_t *matched = v[1].buf;
        int64_t *out = v[2].buf;
        Py_BEGIN_ALLOW_THREADS
        Py_ssize_t d = 0;
#ifdef __SSE2__
        const __m128d lo = _mm_set1_pd(low), hi = _mm_set1_pd(high);
        const __m128i one = _mm_set1_epi8(1);
        __m128i counted = _mm_setzero_si128(); /* (count only: two 64-bit sums of bytes) */
        for (; d + 16 <= n; d += 16) { /* 16 at a time: their bytes, no branch per docno */
            __m128d in[8];
            for (int k = 0; k < 8; k++) {
                __m128d sc = _mm_loadu_pd(scores + d + 2 * k);
                __m128d over = strict ? _mm_cmpgt_pd(sc, lo) : _mm_cmpge_pd(sc, lo);
                in[k] = _mm_and_pd(over, _mm_cmplt_pd(sc, hi));
            }
            __m128i m = _mm_loadu_si128((const __m128i *)(matched + d));
            __m128i got = _mm_and_si128(_mm_and_si128(bytes_of(in), one), m); /* 0 or 1 */
            if (room == 0) {
                counted = _mm_add_epi64(counted, _mm_sad_epu8(got, _mm_setzero_si128()));
                continue;
            }
            for (int bits = _mm_movemask_epi8(_mm_cmpgt_epi8(got, _mm_setzero_si128())); bits;
                 bits &= bits - 1) {
                if (found < room) out[found] = d + __builtin_ctz(bits);
                found++;
            }
        }
        found += _mm_cvtsi128_si64(counted) + _mm_cvtsi128_si64(_mm_unpackhi_epi64(counted, counted));
#endif
        for (; d < n; d++) {
            double x = scores[d];
            if (matched[d] && (strict ? x > low : x >= low) && x < high) {
                if (found < room) out[found] = d;
                found++;
            }
        }
        Py_END_ALLOW_THREADS
    }
    release(v, 3);
    return ok ? PyLong_FromSsize_t(found) : NULL;
}

PyDoc_STRVAR(newest_doc,
"newest(scores, matched, bar, dates, out) -> int\n"
"How many matched docnos score exactly bar; of them, the len(out) newest (greatest date,\n"
"then docno) go to out, in no order (all of them if fewer).");

/* A min-heap of (date, docno) keys: its root is the oldest kept. */
INLINE void sift_down(int64_t *key, int64_t *doc, Py_ssize_t n, Py_ssize_t i) {
    for (;;) {
        Py_ssize_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && (key[l] < key[m] || (key[l] == key[m] && doc[l] < doc[m]))) m = l;
        if (r < n && (key[r] < key[m] || (key[r] == key[m] && doc[r] < doc[m]))) m = r;
        if (m == i) return;
        int64_t k = key[i], d = doc[i];
        key[i] = key[m], doc[i] = doc[m], key[m] = k, doc[m] = d;
        i = m;
    }
}

static PyObject *newest(PyObject *self, PyObject *args) {
    Py_buffer v[4] = {{0}};
    double bar;
    if (!PyArg_ParseTuple(args, "y*y*dy*w*", &v[0], &v[1], &bar, &v[2], &v[3])) return NULL;
    Py_ssize_t n = items(&v[0], 8, "scores"), n_matched = items(&v[1], 1, "matched");
    Py_ssize_t n_dates = items(&v[2], 8, "dates"), room = items(&v[3], 8, "out"), found = 0;
    int ok = n >= 0 && n_matched >= 0 && n_dates >= 0 && room >= 0;
    int64_t *keys = ok ? PyMem_Malloc((room ? room : 1) * sizeof(int64_t)) : NULL;
    if (ok && (n_matched != n || n_dates < n || keys == NULL)) {
        if (keys == NULL) PyErr_NoMemory();
        else PyErr_SetString(PyExc_ValueError, "newest: arrays of different lengths");
        ok = 0;
    }
    if (ok && room > 0) {
        const double *scores = v[0].buf;
        const uint8_t *matched = v[1].buf;
        const int64_t *dates = v[2].buf;
        int64_t *out = v[3].buf;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t d = 0; d < n; d++) {
            if (scores[d] != bar || !matched[d]) continue;
            int64_t key = dates[d];
            if (found < room) { /* filling: then heapified once */
                keys[found] = key;
                out[found] = d;
                if (++found == room)
                    for (Py_ssize_t i = room / 2; i-- > 0;) sift_down(keys, out, room, i);
            } else {
                found++;
                if (key >= keys[0]) { /* (a later docno wins a tie of dates) */
                    keys[0] = key;
                    out[0] = d;
                    sift_down(keys, out, room, 0);
                }
            }
        }
        Py_END_ALLOW_THREADS
    }
    PyMem_Free(keys);
    release(v, 4);
    return ok ? PyLong_FromSsize_t(found) : NULL;
}

static PyMethodDef methods[] = {
    {"scatter", scatter, METH_VARARGS, scatter_doc},
    {"decode", decode, METH_VARARGS, decode_doc},
    {"mark", mark, METH_VARARGS, mark_doc},
    {"syllables", syllables, METH_VARARGS, syllables_doc},
    {"rank", rank, METH_VARARGS, rank_doc},
    {"select", select_above, METH_VARARGS, select_doc},
    {"newest", newest, METH_VARARGS, newest_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "scoring",
    "The ranker's inner loops over packed postings (index/scoring.py wraps them).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_scoring(void) { return PyModule_Create(&module); }
