/* kc_trace_read.c - see kc_trace_read.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kc_hash.h"
#include "kc_trace_read.h"
#include "kc_fs.h"

/* ---- where the strings are, per record type ------------------------------------------- */

#define MAX_REFS 4
struct rec_layout {
	size_t size;
	unsigned nstr, nlist;
	size_t str[MAX_REFS];
	size_t list[MAX_REFS];
};

#define OFS(type, field) offsetof(struct type, field)
static const struct rec_layout layouts[KC_REC_TYPE_END] = {
    [KC_REC_PROCESS] = {sizeof(struct kc_rec_process),
			2,
			2,
			{OFS(kc_rec_process, exe), OFS(kc_rec_process, cwd)},
			{OFS(kc_rec_process, argv), OFS(kc_rec_process, env)}},
    [KC_REC_MODULE_LOAD] = {sizeof(struct kc_rec_module_load),
			    1,
			    2,
			    {OFS(kc_rec_module_load, file)},
			    {OFS(kc_rec_module_load, names), OFS(kc_rec_module_load, jit_options)}},
    [KC_REC_MODULE_UNLOAD] = {sizeof(struct kc_rec_module_unload), 0, 0, {0}, {0}},
    [KC_REC_FUNCTION] = {sizeof(struct kc_rec_function), 1, 0, {OFS(kc_rec_function, name)}, {0}},
    [KC_REC_COMPILE] = {sizeof(struct kc_rec_compile),
			1,
			2,
			{OFS(kc_rec_compile, name)},
			{OFS(kc_rec_compile, options), OFS(kc_rec_compile, inputs)}},
    [KC_REC_LAUNCH_STATS] = {sizeof(struct kc_rec_launch_stats), 0, 0, {0}, {0}},
    [KC_REC_LAUNCH] = {sizeof(struct kc_rec_launch), 0, 0, {0}, {0}},
    [KC_REC_CUPTI] = {sizeof(struct kc_rec_cupti), 1, 0, {OFS(kc_rec_cupti, detail)}, {0}},
    [KC_REC_LOST] = {sizeof(struct kc_rec_lost), 0, 0, {0}, {0}},
    [KC_REC_END] = {sizeof(struct kc_rec_end), 0, 0, {0}, {0}},
    [KC_REC_GPU_TIME] = {sizeof(struct kc_rec_gpu_time), 1, 0, {OFS(kc_rec_gpu_time, name)}, {0}},
    [KC_REC_GRAPH] = {sizeof(struct kc_rec_graph), 0, 0, {0}, {0}},
    [KC_REC_GRAPH_LAUNCH_STATS] = {sizeof(struct kc_rec_graph_launch_stats), 0, 0, {0}, {0}},
    [KC_REC_CALLSITE] = {sizeof(struct kc_rec_callsite),
			 0,
			 2,
			 {0},
			 {OFS(kc_rec_callsite, frames), OFS(kc_rec_callsite, args)}},
    [KC_REC_LOAD_CONTEXT] = {sizeof(struct kc_rec_load_context), 0, 0, {0}, {0}},
};

size_t kc_rec_known_size(unsigned type)
{
	return type < KC_REC_TYPE_END ? layouts[type].size : 0;
}

/* ---- opening ------------------------------------------------------------------------- */

static void set_err(struct kc_trace *t, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(struct kc_trace *t, size_t off, const char *fmt, ...)
{
	int n = snprintf(t->err, sizeof(t->err), "%s: offset %zu: ", t->path ? t->path : "?", off);
	if (n < 0 || (size_t)n >= sizeof(t->err))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->err + n, sizeof(t->err) - (size_t)n, fmt, ap);
	va_end(ap);
}

static int check_header(struct kc_trace *t)
{
	/* a file cut within its first 16 bytes (the magic, the header's size) is said as one cut
	 * later in its header is, where what it has of the magic is right */
	size_t have = t->size < 8 ? t->size : 8;
	if (t->size == 0 || memcmp(t->map, KC_TRACE_MAGIC, have) != 0) {
		set_err(t, 0, "not a kcprof trace (bad magic)");
		return -EINVAL;
	}
	if (t->size < 16) {
		set_err(t, 0, "file shorter than its header (%zu < at least 16 bytes)", t->size);
		t->truncated = 1;
		return -EINVAL;
	}
	const struct kc_file_hdr *h = (const void *)t->map;
	size_t hsize = h->header_size;
	if (hsize < offsetof(struct kc_file_hdr, feat_mask) || hsize > 4096 || hsize % 8) {
		set_err(t, 10, "bad header size %zu", hsize);
		return -EINVAL;
	}
	if (h->endian != KC_TRACE_ENDIAN_LITTLE) {
		set_err(t, 12, "written on a machine of other byte order (%u); not supported",
			h->endian);
		return -EINVAL;
	}
	if (h->version > KC_TRACE_VERSION || h->version < KC_TRACE_VERSION_MIN) {
		set_err(t, 8, "trace version %u; this kcprof reads versions %d..%d%s", h->version,
			KC_TRACE_VERSION_MIN, KC_TRACE_VERSION,
			h->version > KC_TRACE_VERSION ? " (written by a newer kcprof)" : "");
		return -EINVAL;
	}
	if (h->rec_hdr_size != sizeof(struct kc_rec_hdr)) {
		set_err(t, 13, "record header size %u, expected %zu", h->rec_hdr_size,
			sizeof(struct kc_rec_hdr));
		return -EINVAL;
	}
	if (t->size < hsize) {
		set_err(t, 0, "file shorter than its header (%zu < %zu bytes)", t->size, hsize);
		t->truncated = 1;
		return -EINVAL;
	}
	memcpy(&t->hdr, h, hsize < sizeof(t->hdr) ? hsize : sizeof(t->hdr));
	t->pos = hsize;
	/* A damaged header (its pid, times, features) leaves the records readable: the first
	 * kc_trace_next says so, as a bad spot, and reading goes on. */
	if ((t->hdr.feat_mask & KC_FEAT_HDR_CHECK) &&
	    hsize >= offsetof(struct kc_file_hdr, hdr_check) + sizeof(uint32_t) &&
	    kc_hash32(h, offsetof(struct kc_file_hdr, hdr_check), KC_HDR_CHECK_SEED) !=
		t->hdr.hdr_check)
		t->header_damaged = 1;
	return 0;
}

int kc_trace_open_mem(struct kc_trace *t, const char *name, const void *data, size_t size)
{
	memset(t, 0, sizeof(*t));
	t->path = strdup(name ? name : "<memory>");
	t->map = data;
	t->size = size;
	return check_header(t);
}

int kc_trace_open(struct kc_trace *t, const char *path)
{
	memset(t, 0, sizeof(*t));
	t->path = strdup(path);
	int fd = kc_open_regular(path, &t->size);
	if (fd == -EINVAL) {
		set_err(t, 0, "not a regular file");
		return -EINVAL;
	}
	if (fd < 0) {
		set_err(t, 0, "cannot open: %s", strerror(-fd));
		return fd;
	}
	if (t->size == 0) {
		close(fd);
		set_err(t, 0, "empty file (the process may have died before its first record)");
		t->truncated = 1;
		return -EINVAL;
	}
	void *m = mmap(NULL, t->size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		int e = errno;
		set_err(t, 0, "cannot map: %s", strerror(e));
		t->size = 0;
		return -e;
	}
	t->map = m;
	t->mapped = 1;
	return check_header(t);
}

void kc_trace_close(struct kc_trace *t)
{
	if (t->mapped && t->map)
		munmap((void *)t->map, t->size);
	free(t->scratch);
	free(t->path);
	memset(t, 0, sizeof(*t));
}

/* ---- records ------------------------------------------------------------------------- */

/* Header plausible and record inside the file? 0 ok, 1 runs past the end, -1 bad. */
static int header_ok(const struct kc_trace *t, size_t off, const struct kc_rec_hdr **out)
{
	if (off + sizeof(struct kc_rec_hdr) > t->size)
		return 1;
	const struct kc_rec_hdr *h = (const void *)(t->map + off);
	if (h->size < sizeof(*h) || h->size % KC_REC_ALIGN || h->size > KC_REC_MAX_SIZE ||
	    h->type == 0 || h->flags != 0)
		return -1;
	if (off + h->size > t->size)
		return 1;
	*out = h;
	return 0;
}

static int check_ok(const struct kc_rec_hdr *h)
{
	return kc_hash32((const uint8_t *)h + sizeof(*h), h->size - sizeof(*h), h->type) ==
	       h->check;
}

static int str_ok(const struct kc_rec_hdr *r, struct kc_str s)
{
	if (s.off == 0 && s.len == 0)
		return 1;
	if (s.off < sizeof(*r) || (uint64_t)s.off + s.len + 1 > r->size)
		return 0;
	const char *p = (const char *)r + s.off;
	return p[s.len] == '\0' && memchr(p, '\0', s.len) == NULL;
}

static int list_ok(const struct kc_rec_hdr *r, struct kc_strlist l)
{
	if (l.count == 0)
		return l.len == 0;
	if (l.off < sizeof(*r) || (uint64_t)l.off + l.len > r->size || l.len == 0)
		return 0;
	const char *p = (const char *)r + l.off;
	if (p[l.len - 1] != '\0')
		return 0;
	uint32_t n = 0;
	for (uint32_t i = 0; i < l.len; i++)
		n += p[i] == '\0';
	return n == l.count;
}

/* Hand out a validated view of the record at h: zero-extended when shorter than ours. */
static const char *validate(struct kc_trace *t, const struct kc_rec_hdr *h,
			    const struct kc_rec_hdr **out)
{
	const struct rec_layout *lay = &layouts[h->type];
	const struct kc_rec_hdr *r = h;
	if (h->size < lay->size) {
		if (t->scratch_cap < lay->size) {
			uint8_t *s = realloc(t->scratch, lay->size);
			if (!s)
				return "out of memory";
			t->scratch = s;
			t->scratch_cap = lay->size;
		}
		memset(t->scratch, 0, lay->size);
		memcpy(t->scratch, h, h->size);
		r = (const void *)t->scratch;
	}
	for (unsigned i = 0; i < lay->nstr; i++) {
		struct kc_str s;
		memcpy(&s, (const uint8_t *)r + lay->str[i], sizeof(s));
		if (!str_ok(h, s))
			return "string outside its record";
	}
	for (unsigned i = 0; i < lay->nlist; i++) {
		struct kc_strlist l;
		memcpy(&l, (const uint8_t *)r + lay->list[i], sizeof(l));
		if (!list_ok(h, l))
			return "string list outside its record";
	}
	if (h->type == KC_REC_LAUNCH_STATS) {
		const struct kc_rec_launch_stats *ls = (const void *)r;
		if (ls->nshapes > KC_MAX_SHAPES ||
		    sizeof(*ls) + (size_t)ls->nshapes * sizeof(struct kc_shape) > h->size)
			return "launch shapes outside their record";
	}
	if (h->type == KC_REC_GRAPH) {
		const struct kc_rec_graph *g = (const void *)r;
		if (g->nfuncs > KC_MAX_GRAPH_FUNCS ||
		    sizeof(*g) + (size_t)g->nfuncs * sizeof(struct kc_graph_func) > h->size)
			return "graph functions outside their record";
	}
	*out = r;
	return NULL;
}

/* After a bad spot at off: the next 8-aligned offset holding a whole record whose check
 * matches. Each candidate is hashed over the size it claims, so bytes made to look like large
 * records at every offset would cost file size x claimed size: the bytes hashed while
 * resynchronising are bounded by KC_RESYNC_BUDGET(file size), past which the rest of the file is
 * given up. */
#define KC_RESYNC_BUDGET(size) (64 * (uint64_t)(size) + (64u << 20))
static size_t resync(struct kc_trace *t, size_t off)
{
	for (size_t p = off + KC_REC_ALIGN; p + sizeof(struct kc_rec_hdr) <= t->size;
	     p += KC_REC_ALIGN) {
		const struct kc_rec_hdr *h;
		if (header_ok(t, p, &h) != 0)
			continue;
		if (t->resync_hashed + h->size > KC_RESYNC_BUDGET(t->size))
			break;
		t->resync_hashed += h->size;
		if (check_ok(h))
			return p;
	}
	return t->size;
}

int kc_trace_next(struct kc_trace *t, const struct kc_rec_hdr **rec)
{
	if (t->header_damaged == 1) {
		t->header_damaged = 2;
		t->corrupt++;
		set_err(t, 0,
			"header check mismatch (corrupted bytes): its pid, start times and "
			"features may be wrong; the records are read on");
		return -EILSEQ;
	}
	for (;;) {
		size_t off = t->pos;
		if (off >= t->size)
			return 0;
		const struct kc_rec_hdr *h = NULL;
		int hs = header_ok(t, off, &h);
		const char *why = NULL;
		size_t next = 0; /* where reading resumes after a bad spot, once searched */
		if (hs == 1) {
			/* Runs past the end: a killed writer, unless a whole record follows. */
			next = resync(t, off);
			if (next >= t->size) {
				set_err(t, off,
					"trace ends inside a record (%zu bytes left): truncated",
					t->size - off);
				t->truncated = 1;
				t->pos = t->size;
				return -EILSEQ;
			}
			why = "record size runs past the end of the file";
		} else if (hs < 0) {
			why = "bad record header";
		} else if (!check_ok(h)) {
			why = "record check mismatch (corrupted bytes)";
		} else if (h->type >= KC_REC_TYPE_END || layouts[h->type].size == 0) {
			t->unknown_records++;
			t->pos = off + h->size;
			continue; /* a newer writer's record type: skip it */
		} else {
			why = validate(t, h, rec);
			if (!why) {
				t->records++;
				t->last_off = off;
				t->pos = off + h->size;
				return 1;
			}
		}
		if (!next)
			next = resync(t, off);
		t->corrupt++;
		t->skipped_bytes += next - off;
		set_err(t, off, "%s; skipped %zu bytes to offset %zu", why, next - off, next);
		t->pos = next;
		return -EILSEQ;
	}
}

const char *kc_rec_str(const struct kc_rec_hdr *rec, struct kc_str s)
{
	if (s.off == 0 && s.len == 0)
		return "";
	return (const char *)rec + s.off;
}

const char *kc_rec_list_next(const struct kc_rec_hdr *rec, struct kc_strlist l, const char *it)
{
	if (l.count == 0)
		return NULL;
	const char *start = (const char *)rec + l.off;
	if (!it)
		return start;
	const char *next = it + strlen(it) + 1;
	return next < start + l.len ? next : NULL;
}
