/* test_trace_read.c - the trace format: what the writer encodes the reader gives back, and
 * damaged input (cut short, corrupted bytes, newer records, other versions) is reported with
 * its offset and loses nothing else. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/kc_record.h"
#include "../common/kc_trace_read.h"

struct buf {
	uint8_t *p;
	size_t n, cap;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void header(struct buf *b, uint16_t version)
{
	struct kc_file_hdr h;
	kc_file_hdr_init(&h, 42);
	h.version = version; /* the tests write other versions too */
	put(b, &h, sizeof(h));
}

static size_t module_load(struct buf *b, uint64_t hash, const char *name)
{
	_Alignas(8) uint8_t mem[256];
	struct kc_recbuf rb;
	struct kc_rec_module_load rec = {0};
	kc_rb_init(&rb, mem, sizeof(mem), sizeof(rec));
	rec.hash = hash;
	rec.api = KC_API_MODULE_LOAD_DATA;
	rec.kind = KC_IMAGE_CUBIN;
	rec.file = kc_rb_str(&rb, "/tmp/x.cubin");
	kc_rb_list_begin(&rb);
	kc_rb_list_add(&rb, name);
	kc_rb_list_add(&rb, "second");
	rec.names = kc_rb_list_end(&rb);
	size_t n = kc_rb_finish(&rb, &rec, KC_REC_MODULE_LOAD, 7, 1000 + hash);
	put(b, kc_rb_data(&rb), n);
	kc_rb_release(&rb);
	return n;
}

static int read_all(struct buf *b, uint64_t *hashes, int max, int *errors, struct kc_trace *t)
{
	int n = 0, rc;
	*errors = 0;
	const struct kc_rec_hdr *r;
	cr_assert_eq(kc_trace_open_mem(t, "test.kct", b->p, b->n), 0, "%s", t->err);
	while ((rc = kc_trace_next(t, &r)) != 0) {
		if (rc < 0) {
			(*errors)++;
			continue;
		}
		if (r->type == KC_REC_MODULE_LOAD && n < max)
			hashes[n++] = ((const struct kc_rec_module_load *)r)->hash;
	}
	return n;
}

Test(trace_read, round_trip)
{
	struct buf b = {0};
	header(&b, KC_TRACE_VERSION);
	module_load(&b, 1, "kern_a");
	struct kc_trace t;
	cr_assert_eq(kc_trace_open_mem(&t, "x", b.p, b.n), 0);
	cr_assert_eq(t.hdr.pid, 42);
	const struct kc_rec_hdr *r;
	cr_assert_eq(kc_trace_next(&t, &r), 1);
	cr_assert_eq(r->type, KC_REC_MODULE_LOAD);
	cr_assert_eq(r->tid, 7);
	cr_assert_eq(r->time_ns, 1001);
	const struct kc_rec_module_load *m = (const void *)r;
	cr_assert_str_eq(kc_rec_str(r, m->file), "/tmp/x.cubin");
	const char *s = kc_rec_list_next(r, m->names, NULL);
	cr_assert_str_eq(s, "kern_a");
	s = kc_rec_list_next(r, m->names, s);
	cr_assert_str_eq(s, "second");
	cr_assert_null(kc_rec_list_next(r, m->names, s));
	cr_assert_eq(kc_trace_next(&t, &r), 0);
	cr_assert_eq(t.truncated, 0);
	kc_trace_close(&t);
	free(b.p);
}

Test(trace_read, truncated_file_keeps_whole_records)
{
	struct buf b = {0};
	header(&b, KC_TRACE_VERSION);
	for (int i = 0; i < 5; i++)
		module_load(&b, (uint64_t)i + 1, "k");
	b.n -= 9; /* the writer was killed inside the last record */
	uint64_t h[8];
	int errors;
	struct kc_trace t;
	int n = read_all(&b, h, 8, &errors, &t);
	cr_assert_eq(n, 4);
	cr_assert_eq(errors, 1);
	cr_assert(t.truncated);
	cr_assert(strstr(t.err, "test.kct: offset ") && strstr(t.err, "truncated"), "%s", t.err);
	kc_trace_close(&t);
	free(b.p);
}

Test(trace_read, corrupted_record_is_skipped_alone)
{
	struct buf b = {0};
	header(&b, KC_TRACE_VERSION);
	module_load(&b, 1, "k");
	size_t second = b.n;
	module_load(&b, 2, "k");
	module_load(&b, 3, "k");
	b.p[second + 40] ^= 0x55; /* a flipped byte inside the second record */
	uint64_t h[8];
	int errors;
	struct kc_trace t;
	int n = read_all(&b, h, 8, &errors, &t);
	cr_assert_eq(n, 2);
	cr_assert_eq(h[0], 1);
	cr_assert_eq(h[1], 3, "reading resumes at the next whole record");
	cr_assert_eq(errors, 1);
	char want[64];
	snprintf(want, sizeof(want), "offset %zu", second);
	cr_assert(strstr(t.err, want) && strstr(t.err, "check mismatch"), "%s", t.err);
	kc_trace_close(&t);
	free(b.p);
}

Test(trace_read, garbage_size_resynchronises)
{
	struct buf b = {0};
	header(&b, KC_TRACE_VERSION);
	module_load(&b, 1, "k");
	size_t second = b.n;
	module_load(&b, 2, "k");
	module_load(&b, 3, "k");
	uint32_t huge = 0x7ffffff8;
	memcpy(b.p + second + 4, &huge, 4);
	uint64_t h[8];
	int errors;
	struct kc_trace t;
	int n = read_all(&b, h, 8, &errors, &t);
	cr_assert_eq(n, 2);
	cr_assert_eq(h[1], 3);
	cr_assert_eq(errors, 1);
	kc_trace_close(&t);
	free(b.p);
}

Test(trace_read, resync_work_is_bounded)
{
	/* after the header, 2 MiB of headers each claiming a 1 MiB record at every 8 bytes: a
	 * search hashing each claim in full would hash 256 GiB */
	struct buf b = {0};
	header(&b, KC_TRACE_VERSION);
	module_load(&b, 1, "k");
	struct kc_rec_hdr fake = {.type = KC_REC_PROCESS, .size = 1u << 20};
	for (int i = 0; i < (2 << 20) / 8; i++)
		put(&b, &fake, 8);
	uint64_t h[8];
	int errors;
	struct kc_trace t;
	int n = read_all(&b, h, 8, &errors, &t);
	cr_assert_eq(n, 1, "the record before the damage");
	cr_assert_geq(errors, 1);
	cr_assert_leq(t.resync_hashed, 64 * (uint64_t)b.n + (64u << 20), "%llu bytes hashed",
		      (unsigned long long)t.resync_hashed);
	kc_trace_close(&t);
	free(b.p);
}

Test(trace_read, newer_record_types_are_skipped)
{
	struct buf b = {0};
	header(&b, KC_TRACE_VERSION);
	module_load(&b, 1, "k");
	struct {
		struct kc_rec_hdr h;
		uint64_t payload[3];
	} future = {.h = {.type = 999, .tid = 1}, .payload = {1, 2, 3}};
	kc_rec_seal(&future.h, sizeof(future));
	put(&b, &future, sizeof(future));
	module_load(&b, 2, "k");
	uint64_t h[8];
	int errors;
	struct kc_trace t;
	int n = read_all(&b, h, 8, &errors, &t);
	cr_assert_eq(n, 2);
	cr_assert_eq(errors, 0);
	cr_assert_eq(t.unknown_records, 1);
	kc_trace_close(&t);
	free(b.p);
}

Test(trace_read, older_shorter_record_is_zero_extended)
{
	/* A writer whose module_load ended before jit_options: the reader fills it with zeros. */
	struct buf b = {0};
	header(&b, KC_TRACE_VERSION);
	struct kc_rec_module_load rec = {.hash = 77, .api = KC_API_MODULE_LOAD};
	size_t shorter = offsetof(struct kc_rec_module_load, names);
	rec.h.type = KC_REC_MODULE_LOAD;
	kc_rec_seal(&rec.h, shorter);
	put(&b, &rec, shorter);
	struct kc_trace t;
	cr_assert_eq(kc_trace_open_mem(&t, "x", b.p, b.n), 0);
	const struct kc_rec_hdr *r;
	cr_assert_eq(kc_trace_next(&t, &r), 1);
	const struct kc_rec_module_load *m = (const void *)r;
	cr_assert_eq(m->hash, 77);
	cr_assert_eq(m->names.count, 0);
	cr_assert_eq(m->jit_options.count, 0);
	kc_trace_close(&t);
	free(b.p);
}

Test(trace_read, string_outside_record_is_rejected)
{
	struct buf b = {0};
	header(&b, KC_TRACE_VERSION);
	struct kc_rec_function rec = {.id = 1};
	rec.h.type = KC_REC_FUNCTION;
	rec.name.off = 4000; /* points past the record */
	rec.name.len = 3;
	kc_rec_seal(&rec.h, sizeof(rec));
	put(&b, &rec, sizeof(rec));
	struct kc_trace t;
	cr_assert_eq(kc_trace_open_mem(&t, "x", b.p, b.n), 0);
	const struct kc_rec_hdr *r;
	cr_assert_eq(kc_trace_next(&t, &r), -EILSEQ);
	cr_assert(strstr(t.err, "string outside its record"), "%s", t.err);
	cr_assert_eq(kc_trace_next(&t, &r), 0);
	kc_trace_close(&t);
	free(b.p);
}

Test(trace_read, graph_functions_outside_their_record_are_rejected)
{
	/* A GRAPH record whose function count runs past its end is refused with its offset; a
	 * whole one after it is read. */
	struct buf b = {0};
	header(&b, KC_TRACE_VERSION);
	_Alignas(8) uint8_t mem[sizeof(struct kc_rec_graph) + 2 * sizeof(struct kc_graph_func)];
	memset(mem, 0, sizeof(mem));
	struct kc_rec_graph *g = (void *)mem;
	g->h.type = KC_REC_GRAPH;
	g->id = 1;
	g->nfuncs = 3; /* room for 2 */
	kc_rec_seal(&g->h, sizeof(mem));
	put(&b, mem, sizeof(mem));
	g->nfuncs = 2;
	g->funcs[1] = (struct kc_graph_func){.func_id = 7, .count = 5};
	kc_rec_seal(&g->h, sizeof(mem));
	put(&b, mem, sizeof(mem));
	struct kc_trace t;
	cr_assert_eq(kc_trace_open_mem(&t, "x", b.p, b.n), 0);
	const struct kc_rec_hdr *r;
	cr_assert_eq(kc_trace_next(&t, &r), -EILSEQ);
	cr_assert(strstr(t.err, "graph functions outside their record") &&
		      strstr(t.err, "offset 64"),
		  "%s", t.err);
	cr_assert_eq(kc_trace_next(&t, &r), 1);
	const struct kc_rec_graph *x = (const void *)r;
	cr_assert_eq(x->nfuncs, 2);
	cr_assert_eq(x->funcs[1].func_id, 7);
	cr_assert_eq(x->funcs[1].count, 5);
	cr_assert_eq(kc_trace_next(&t, &r), 0);
	kc_trace_close(&t);
	free(b.p);
}

Test(trace_read, damaged_header_is_said_and_records_read_on)
{
	/* A sealed header whose pid byte flipped: the first read says so, at offset 0, and the
	 * record after it is read; unsealed (a writer before the check), the same bytes pass. */
	for (int sealed = 0; sealed < 2; sealed++) {
		struct buf b = {0};
		struct kc_file_hdr h;
		kc_file_hdr_init(&h, 42);
		if (sealed)
			kc_file_hdr_seal(&h);
		h.pid ^= 0x10;
		put(&b, &h, sizeof(h));
		module_load(&b, 7, "k");
		struct kc_trace t;
		cr_assert_eq(kc_trace_open_mem(&t, "x.kct", b.p, b.n), 0, "%s", t.err);
		const struct kc_rec_hdr *r;
		if (sealed) {
			cr_assert_eq(kc_trace_next(&t, &r), -EILSEQ);
			cr_assert(strstr(t.err, "x.kct: offset 0: header check mismatch"), "%s",
				  t.err);
			cr_assert_eq(t.corrupt, 1);
		}
		cr_assert_eq(kc_trace_next(&t, &r), 1, "%s", t.err);
		cr_assert_eq(((const struct kc_rec_module_load *)r)->hash, 7);
		cr_assert_eq(kc_trace_next(&t, &r), 0);
		kc_trace_close(&t);
		free(b.p);
	}
	/* and a whole sealed header passes */
	struct buf b = {0};
	struct kc_file_hdr h;
	kc_file_hdr_init(&h, 42);
	h.start_real_ns = 123456789;
	kc_file_hdr_seal(&h);
	put(&b, &h, sizeof(h));
	struct kc_trace t;
	cr_assert_eq(kc_trace_open_mem(&t, "y.kct", b.p, b.n), 0);
	const struct kc_rec_hdr *r;
	cr_assert_eq(kc_trace_next(&t, &r), 0, "%s", t.err);
	cr_assert(t.hdr.feat_mask & KC_FEAT_HDR_CHECK);
	kc_trace_close(&t);
	free(b.p);
}

Test(trace_read, versions_and_magic)
{
	struct buf b = {0};
	header(&b, KC_TRACE_VERSION + 1);
	struct kc_trace t;
	cr_assert_eq(kc_trace_open_mem(&t, "new.kct", b.p, b.n), -EINVAL);
	cr_assert(strstr(t.err, "newer kcprof"), "%s", t.err);
	kc_trace_close(&t);
	/* what it has of the magic right, the file cut in its first 16 bytes: cut, not foreign,
	 * said as a cut later in the header is (at offset 0, the header's) */
	for (size_t n = 1; n < 16; n++) {
		cr_assert_eq(kc_trace_open_mem(&t, "cut.kct", b.p, n), -EINVAL);
		char want[96];
		snprintf(
		    want, sizeof(want),
		    "cut.kct: offset 0: file shorter than its header (%zu < at least 16 bytes)", n);
		cr_assert(strstr(t.err, want), "%s", t.err);
		cr_assert(t.truncated);
		kc_trace_close(&t);
	}
	b.p[6] = 'X';
	cr_assert_eq(kc_trace_open_mem(&t, "cut.kct", b.p, 7), -EINVAL);
	cr_assert(strstr(t.err, "not a kcprof trace"), "%s", t.err);
	kc_trace_close(&t);
	b.p[6] = KC_TRACE_MAGIC[6];
	b.p[0] = 'X';
	cr_assert_eq(kc_trace_open_mem(&t, "bad.kct", b.p, b.n), -EINVAL);
	cr_assert(strstr(t.err, "bad.kct: offset 0: not a kcprof trace"), "%s", t.err);
	kc_trace_close(&t);
	cr_assert_eq(kc_trace_open(&t, "/nonexistent/x.kct"), -ENOENT);
	kc_trace_close(&t);
	free(b.p);
}

Test(trace_read, record_builder_grows_past_its_buffer)
{
	_Alignas(8) uint8_t mem[64];
	struct kc_recbuf rb;
	struct kc_rec_compile rec = {0};
	kc_rb_init(&rb, mem, sizeof(mem), sizeof(rec));
	char opt[100];
	kc_rb_list_begin(&rb);
	for (int i = 0; i < 100; i++) {
		snprintf(opt, sizeof(opt), "-DVALUE_%d=%d", i, i * 7);
		kc_rb_list_add(&rb, opt);
	}
	rec.options = kc_rb_list_end(&rb);
	size_t n = kc_rb_finish(&rb, &rec, KC_REC_COMPILE, 1, 2);
	cr_assert_gt(n, sizeof(mem));
	cr_assert_eq(n % 8, 0);
	struct buf b = {0};
	header(&b, KC_TRACE_VERSION);
	put(&b, kc_rb_data(&rb), n);
	kc_rb_release(&rb);
	struct kc_trace t;
	cr_assert_eq(kc_trace_open_mem(&t, "x", b.p, b.n), 0);
	const struct kc_rec_hdr *r;
	cr_assert_eq(kc_trace_next(&t, &r), 1);
	const struct kc_rec_compile *c = (const void *)r;
	cr_assert_eq(c->options.count, 100);
	const char *s = NULL;
	for (int i = 0; i < 100; i++)
		s = kc_rec_list_next(r, c->options, s);
	cr_assert_str_eq(s, "-DVALUE_99=693");
	kc_trace_close(&t);
	free(b.p);
}
