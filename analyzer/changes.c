/* changes.c - see changes.h. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uthash.h>

#include "../common/kc_fs.h"
#include "../common/kc_hash.h"
#include "../common/kc_image.h"
#include "changes.h"
#include "kca.h"
#include "linediff.h"

const char *kca_change_kind_name(enum kca_change_kind k)
{
	static const char *const names[] = {
	    [KCA_CHANGE_CONSTANT] = "constant",
	    [KCA_CHANGE_DIVISIBILITY] = "divisibility",
	    [KCA_CHANGE_EQUALS_ONE] = "equals_one",
	    [KCA_CHANGE_CONFIG] = "config",
	    [KCA_CHANGE_DEFINE] = "define",
	    [KCA_CHANGE_OPTION] = "option",
	    [KCA_CHANGE_PTX] = "ptx",
	    [KCA_CHANGE_TYPE] = "type",
	    [KCA_CHANGE_SOURCE] = "source",
	    [KCA_CHANGE_CODE] = "code",
	};
	return k <= KCA_CHANGE_CODE ? names[k] : "?";
}

char *kca_read_file(const char *path, size_t *size)
{
	size_t len;
	int fd = kc_open_regular(path, &len);
	if (fd < 0)
		return NULL;
	if (len > (256u << 20)) { /* no source, IR or image of a kernel is this large */
		close(fd);
		return NULL;
	}
	char *buf = kca_xmalloc(len + 1);
	size_t n = kc_read_full(fd, buf, len);
	close(fd);
	buf[n] = '\0';
	if (size)
		*size = n;
	return buf;
}

/* A tail of path (its last components, longest first) under root ("" for here), into out. */
static int find_tail(const char *path, const char *root, char *out, size_t cap)
{
	for (const char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/'))
		if ((size_t)snprintf(out, cap, "%s%s", root, p + 1) < cap && access(out, R_OK) == 0)
			return 0;
	return -ENOENT;
}

/* path as written, shown relative to here when it lies below */
static void relative_to_cwd(const char *path, char *out, size_t cap)
{
	char cwd[PATH_MAX];
	size_t n = getcwd(cwd, sizeof(cwd)) ? strlen(cwd) : 0;
	snprintf(out, cap, "%s",
		 n && strncmp(path, cwd, n) == 0 && path[n] == '/' ? path + n + 1 : path);
}

/* The live file: as written, then its tail under the current directory. */
static int find_live(const char *path, char *out, size_t cap)
{
	if (access(path, R_OK) == 0) {
		relative_to_cwd(path, out, cap);
		return 0;
	}
	return find_tail(path, "", out, cap);
}

int kca_file_holds(const char *path, const char *text, size_t size)
{
	size_t n;
	char *live = kca_read_file(path, &n);
	int same = live && n == size && memcmp(live, text, n) == 0;
	free(live);
	return same;
}

int kca_find_source(const char *path, const char *trace_dir, char *read_from, char *shown,
		    size_t cap)
{
	char root[PATH_MAX];
	if (!trace_dir ||
	    (size_t)snprintf(root, sizeof(root), "%s/" KCA_ARCHIVE_SOURCES "/", trace_dir) >=
		sizeof(root) ||
	    find_tail(path, root, read_from, cap) < 0) {
		/* no copy in the trace: the live file */
		if (find_live(path, read_from, cap) < 0)
			return -ENOENT;
		snprintf(shown, cap, "%s", read_from);
		return 0;
	}
	/* the trace's copy is what ran; a live file is named instead only when it still holds
	 * the same text, so that a line number shown points at the line that was compiled */
	snprintf(shown, cap, "%s", read_from);
	size_t size;
	char *copy = kca_read_file(read_from, &size);
	if (!copy)
		return 0;
	char live[PATH_MAX];
	if (find_tail(path, "", live, sizeof(live)) == 0 && kca_file_holds(live, copy, size))
		snprintf(shown, cap, "%s", live);
	else if (access(path, R_OK) == 0 && kca_file_holds(path, copy, size))
		relative_to_cwd(path, shown, cap);
	free(copy);
	return 0;
}

/* ---- source files, found and read once per model ------------------------------------------- */

/* A Python source a Triton IR names: the path to show for it (kca_find_source) and its text
 * (NULL, NULL when not found). Each variant's IR names the same few files at many places. */
struct kca_source_file {
	char *key; /* trace_dir, '\x1f', the path as recorded */
	char *path;
	char *text;
	size_t size;
	const char **line; /* where each line starts (nlines of them), read once */
	unsigned long nlines;
	UT_hash_handle hh;
};

/* Where each line of text starts: line k is there where k - 1 newlines come before it. */
static void index_lines(struct kca_source_file *sf)
{
	unsigned long cap = 0;
	for (const char *p = sf->text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (sf->nlines == cap) {
			cap = cap ? 2 * cap : 256;
			sf->line = kca_xrealloc(sf->line, cap * sizeof(*sf->line));
		}
		sf->line[sf->nlines++] = p;
	}
}

/* The start of line n (1-based) of sf, or NULL (no such line, or no text). */
static const char *line_at(const struct kca_source_file *sf, unsigned long n)
{
	return n >= 1 && n <= sf->nlines ? sf->line[n - 1] : NULL;
}

static const struct kca_source_file *source_file(struct kca_model *m, const char *file,
						 const char *trace_dir)
{
	size_t n = strlen(file) + (trace_dir ? strlen(trace_dir) : 0) + 2;
	char *key = kca_xmalloc(n);
	snprintf(key, n, "%s\x1f%s", trace_dir ? trace_dir : "", file);
	struct kca_source_file *sf;
	HASH_FIND_STR(m->sources, key, sf);
	if (sf) {
		free(key);
		return sf;
	}
	sf = kca_xcalloc(1, sizeof(*sf));
	sf->key = key;
	char read_from[PATH_MAX], shown[PATH_MAX];
	if (kca_find_source(file, trace_dir, read_from, shown, PATH_MAX) == 0 &&
	    (sf->text = kca_read_file(read_from, &sf->size)) != NULL) {
		/* the program's file, where shown at its recorded path, named as its call sites
		 * are: relative to the directory the recorded process ran in. A copy, or a
		 * checkout found elsewhere, as found. */
		const char *cwd = NULL;
		for (unsigned i = 0; i < m->nprocs && !cwd; i++)
			if (trace_dir && m->procs[i].dir && strcmp(m->procs[i].dir, trace_dir) == 0)
				cwd = m->procs[i].cwd;
		char here[PATH_MAX]; /* the recorded path as find_live shows it from here */
		relative_to_cwd(file, here, sizeof(here));
		int recorded = strcmp(shown, file) == 0 || strcmp(shown, here) == 0;
		sf->path = kca_xstrdup(recorded ? kca_path_under(file, cwd) : shown);
		index_lines(sf);
	}
	HASH_ADD_KEYPTR(hh, m->sources, sf->key, strlen(sf->key), sf);
	return sf;
}

static unsigned indentation(const char *line)
{
	unsigned n = 0;
	while (line[n] == ' ' || line[n] == '\t')
		n++;
	return n;
}

/* Whether a line holds no code: blank, or a comment. */
static int no_code(const char *line)
{
	char c = line[indentation(line)];
	return c == '\n' || c == '#' || c == '\0';
}

/* Whether line (its indentation skipped) defines a function, `name` where given: "def name(". */
static int defines(const char *line, const char *name, size_t len)
{
	line += indentation(line);
	if (strncmp(line, "async ", 6) == 0)
		line += 6;
	if (strncmp(line, "def ", 4) != 0)
		return 0;
	line += 4;
	return !name || (strncmp(line, name, len) == 0 && line[len] == '(');
}

/* The line of `def name(` inside the def at line `outer` (indented past it, within its body,
 * before line `until` where given); 0 if none. */
static unsigned long def_within(const struct kca_source_file *x, unsigned long outer,
				const char *name, unsigned long until)
{
	const char *o = line_at(x, outer);
	unsigned outer_indent = o ? indentation(o) : 0;
	size_t len = strlen(name);
	for (unsigned long n = outer + 1; n <= x->nlines && (!until || n < until); n++) {
		const char *p = line_at(x, n);
		if (no_code(p))
			continue;
		if (indentation(p) <= outer_indent)
			break; /* past its body */
		if (defines(p, name, len))
			return n;
	}
	return 0;
}

/* numba's kernel defined in a function, "__main__::make_scale::<locals>::scale": the def of
 * `scale` inside the first `def make_scale(` of the text; its line, or 0. outer: that name. */
static unsigned long numba_def_line(const struct kca_source_file *x, const char *qualified,
				    char *outer, size_t ocap)
{
	static const char locals[] = "::<locals>::";
	const char *at = NULL;
	for (const char *p = strstr(qualified, locals); p; p = strstr(p + 1, locals))
		at = p;
	if (!at || strstr(at + sizeof(locals) - 1, "::"))
		return 0;
	const char *start = at;
	while (start > qualified &&
	       !(start[-1] == ':' && start - 1 > qualified && start[-2] == ':'))
		start--;
	snprintf(outer, ocap, "%.*s", (int)(at - start), start);
	size_t len = strlen(outer);
	for (unsigned long n = 1; n <= x->nlines; n++)
		if (defines(line_at(x, n), outer, len))
			return def_within(x, n, at + sizeof(locals) - 1, 0);
	return 0;
}

/* The def that line `line` is in: the nearest line above it of less indentation, where that
 * is a def (not a loop's or a with's block); 0 if none. */
static unsigned long enclosing_def(const struct kca_source_file *x, unsigned long line)
{
	unsigned indent = indentation(line_at(x, line));
	for (unsigned long n = line - 1; n >= 1; n--) {
		const char *p = line_at(x, n);
		if (!no_code(p) && indentation(p) < indent)
			return defines(p, NULL, 0) ? n : 0;
	}
	return 0;
}

int kca_kernel_def_inside(struct kca_model *m, const struct kca_family *f, char *outer, size_t ocap,
			  char *where, size_t wcap)
{
	if (!f->nvariants)
		return 0;
	const struct kca_load *l = &m->loads[f->variants[0].first_load];
	char at[PATH_MAX + 32], func[128], path[PATH_MAX];
	if (!l->npy_frames || kca_load_call_site(m, l, at, sizeof(at), func, sizeof(func)) != 0)
		return 0;
	char *colon = strrchr(at, ':');
	unsigned long call_line = colon ? strtoul(colon + 1, NULL, 10) : 0;
	if (!call_line)
		return 0;
	*colon = '\0';
	if (kca_path_in(at, m->procs[l->proc].cwd, path, sizeof(path)) < 0)
		return 0;
	const struct kca_source_file *sf = source_file(m, path, m->procs[l->proc].dir);
	unsigned long line = 0;
	if (!line_at(sf, call_line)) {
		line = 0;
	} else if (f->front_end == KCA_FE_NUMBA) { /* its name says where: a function's <locals> */
		line = numba_def_line(sf, f->name, outer, ocap);
	} else { /* the function the launch is in */
		unsigned long def = enclosing_def(sf, call_line);
		line = def ? def_within(sf, def, f->name, call_line) : 0;
		snprintf(outer, ocap, "%s", func);
	}
	if (!line)
		return 0;
	snprintf(where, wcap, "%s:%lu", sf->path ? sf->path : at, line);
	return 1;
}

void kca_sources_free(struct kca_model *m)
{
	struct kca_source_file *sf, *tmp;
	HASH_ITER(hh, m->sources, sf, tmp)
	{
		HASH_DEL(m->sources, sf);
		free(sf->key);
		free(sf->path);
		free(sf->text);
		free(sf->line);
		free(sf);
	}
}

/* ---- a change table: name -> value per variant ------------------------------------------ */

static struct kca_change *change_find(struct kca_changes *c, enum kca_change_kind kind,
				      const char *name)
{
	for (unsigned i = 0; i < c->nchanges; i++)
		if (c->changes[i].kind == kind && strcmp(c->changes[i].name, name) == 0)
			return &c->changes[i];
	return NULL;
}

/* The PTX lines that differ, at most this many (the report shows six changes). */
#define KCA_MAX_PTX_LINES 32

static struct kca_change *change_get(struct kca_changes *c, enum kca_change_kind kind,
				     const char *name, const char *where, unsigned nvar)
{
	struct kca_change *found = change_find(c, kind, name);
	if (found)
		return found;
	c->changes = kca_xrealloc(c->changes, (c->nchanges + 1) * sizeof(*c->changes));
	struct kca_change *ch = &c->changes[c->nchanges++];
	memset(ch, 0, sizeof(*ch));
	ch->kind = kind;
	snprintf(ch->name, sizeof(ch->name), "%s", name);
	snprintf(ch->where, sizeof(ch->where), "%s", where ? where : "");
	ch->values = kca_xcalloc(nvar, sizeof(char *));
	ch->nvalues = nvar;
	return ch;
}

static void change_set(struct kca_change *ch, unsigned v, const char *value)
{
	if (v < ch->nvalues && !ch->values[v])
		ch->values[v] = kca_xstrdup(value);
}

#define PART_SEP '\x1f'

/* A name used by several constants (range(0, n, BLOCK) makes 0 and BLOCK at BLOCK's place):
 * every value kept, in order; squeeze_parts keeps the ones that differ between variants. */
static void change_add(struct kca_change *ch, unsigned v, const char *value)
{
	if (v >= ch->nvalues)
		return;
	if (!ch->values[v]) {
		ch->values[v] = kca_xstrdup(value);
		return;
	}
	size_t n = strlen(ch->values[v]), m = strlen(value);
	ch->values[v] = kca_xrealloc(ch->values[v], n + m + 2);
	ch->values[v][n] = PART_SEP;
	memcpy(ch->values[v] + n + 1, value, m + 1);
}

static unsigned count_parts(const char *s)
{
	unsigned n = 1;
	for (; *s; s++)
		n += *s == PART_SEP;
	return n;
}

/* The i-th part of s (length in *len). */
static const char *part_at(const char *s, unsigned i, size_t *len)
{
	for (; i && s; i--) {
		s = strchr(s, PART_SEP);
		s = s ? s + 1 : NULL;
	}
	if (!s)
		return NULL;
	const char *e = strchr(s, PART_SEP);
	*len = e ? (size_t)(e - s) : strlen(s);
	return s;
}

static void squeeze_parts(struct kca_changes *c)
{
	for (unsigned i = 0; i < c->nchanges; i++) {
		struct kca_change *ch = &c->changes[i];
		unsigned nparts = 0, same_count = 1, multi = 0;
		for (unsigned v = 0; v < ch->nvalues; v++) {
			if (!ch->values[v])
				continue;
			unsigned n = count_parts(ch->values[v]);
			multi |= n > 1;
			same_count &= !nparts || n == nparts;
			nparts = n;
		}
		if (!multi)
			continue;
		/* with as many values in every variant: only the positions that differ */
		uint8_t keep[64] = {0};
		unsigned kept = 0;
		for (unsigned k = 0; same_count && k < nparts && k < 64; k++) {
			const char *first = NULL;
			size_t flen = 0;
			for (unsigned v = 0; v < ch->nvalues && !keep[k]; v++) {
				size_t len;
				const char *x =
				    ch->values[v] ? part_at(ch->values[v], k, &len) : NULL;
				if (!x)
					continue;
				if (!first)
					first = x, flen = len;
				else if (len != flen || memcmp(first, x, len) != 0)
					keep[k] = 1;
			}
			kept += keep[k];
		}
		for (unsigned v = 0; v < ch->nvalues; v++) {
			char *x = ch->values[v];
			if (!x)
				continue;
			char *src = kca_xstrdup(x), *o = x;
			unsigned n = count_parts(src);
			for (unsigned k = 0; k < n; k++) {
				size_t len;
				const char *part = part_at(src, k, &len);
				if (kept && !(k < 64 && keep[k]))
					continue;
				/* BLOCK as the step of a range and the end of an arange: one value
				 */
				int seen = 0;
				for (unsigned j = 0; j < k && !seen; j++) {
					size_t jl;
					const char *pj = part_at(src, j, &jl);
					seen = (!kept || (j < 64 && keep[j])) && jl == len &&
					       memcmp(pj, part, len) == 0;
				}
				if (seen)
					continue;
				if (o != x)
					*o++ = ',';
				memmove(o, part, len);
				o += len;
				if (!kept) /* all alike: the first says it */
					break;
			}
			*o = '\0';
			free(src);
		}
	}
}

/* The changes drop[] marks taken out, their values freed; the rest kept in order. */
static void drop_marked(struct kca_changes *c, const unsigned char *drop)
{
	unsigned out = 0;
	for (unsigned i = 0; i < c->nchanges; i++) {
		struct kca_change *ch = &c->changes[i];
		if (!drop[i]) {
			c->changes[out++] = *ch;
			continue;
		}
		for (unsigned v = 0; v < ch->nvalues; v++)
			free(ch->values[v]);
		free(ch->values);
	}
	c->nchanges = out;
}

/* Keep only entries whose values differ between variants. */
static void keep_differing(struct kca_changes *c)
{
	unsigned char *drop = kca_xcalloc(c->nchanges + 1, 1);
	for (unsigned i = 0; i < c->nchanges; i++) {
		struct kca_change *ch = &c->changes[i];
		const char *first = NULL;
		int differ = 0, present = 0, one = 0;
		for (unsigned v = 0; v < ch->nvalues; v++) {
			const char *x = ch->values[v] ? ch->values[v] : "";
			present += ch->values[v] != NULL;
			one |= strcmp(x, "yes") == 0;
			if (!first)
				first = x;
			else if (strcmp(first, x) != 0)
				differ = 1;
		}
		/* an int never 1, present in some variants only: nothing Triton specialised; an
		 * argument's type, present in some only (ks0 once a size was an argument): the
		 * change is its presence, said by another */
		drop[i] = !(differ && present) || (ch->kind == KCA_CHANGE_EQUALS_ONE && !one) ||
			  (ch->kind == KCA_CHANGE_TYPE && kca_change_distinct(ch) < 2);
	}
	drop_marked(c, drop);
	free(drop);
}

/* A constant of Triton's own library (tl.cdiv's in triton/language/standard.py) follows the
 * kernel's constants that were passed to it: left out where one of the kernel's own constants
 * changed too. */
static void drop_library_constants(struct kca_changes *c)
{
	unsigned char *drop = kca_xcalloc(c->nchanges + 1, 1);
	int own = 0;
	for (unsigned i = 0; i < c->nchanges; i++) {
		const struct kca_change *ch = &c->changes[i];
		int constant = ch->kind == KCA_CHANGE_CONSTANT;
		drop[i] = constant && strstr(ch->where, "/triton/language/");
		own |= constant && !drop[i];
	}
	if (own)
		drop_marked(c, drop);
	free(drop);
}

/* ---- Triton: TTIR (.source) and metadata (.json) of each variant ------------------------ */

struct loc {
	int id;
	int alias;     /* -1, or the loc it names */
	char name[64]; /* an alias's name: the variable its value is assigned to */
	char file[PATH_MAX];
	int line, col;
};

struct ttir {
	struct loc *locs;
	unsigned nlocs;
	char def_file[PATH_MAX];
	int def_line;
};

/* The file location of loc id, through its aliases; *name: the first alias's name, or "". */
static struct loc *loc_find(struct ttir *t, int id, const char **name)
{
	*name = "";
	for (int depth = 0; depth < 8; depth++) {
		struct loc *l = NULL;
		for (unsigned i = 0; i < t->nlocs; i++)
			if (t->locs[i].id == id)
				l = &t->locs[i];
		if (!l || l->alias < 0)
			return l;
		if (!**name)
			*name = l->name;
		id = l->alias;
	}
	return NULL;
}

/* #locN = loc("file":L:C) | loc("name"(#locM)) ; "#loc" alone is id 0 */
static void parse_locs(struct ttir *t, const char *text)
{
	for (const char *p = text; (p = strstr(p, "#loc")) != NULL; p++) {
		if (p != text && p[-1] != '\n')
			continue;
		int id = 0;
		const char *q = p + 4;
		if (isdigit((unsigned char)*q))
			id = (int)strtol(q, (char **)&q, 10);
		if (strncmp(q, " = loc(\"", 8) != 0)
			continue;
		q += 8;
		const char *end = strchr(q, '"');
		if (!end)
			continue;
		struct loc l = {.id = id, .alias = -1};
		if (end[1] == ':') {
			snprintf(l.file, sizeof(l.file), "%.*s", (int)(end - q), q);
			if (sscanf(end + 2, "%d:%d", &l.line, &l.col) != 2)
				continue;
		} else if (end[1] == '(' && strncmp(end + 2, "#loc", 4) == 0) {
			const char *a = end + 6;
			snprintf(l.name, sizeof(l.name), "%.*s", (int)(end - q), q);
			l.alias = isdigit((unsigned char)*a) ? (int)strtol(a, NULL, 10) : 0;
		} else {
			continue;
		}
		t->locs = kca_xrealloc(t->locs, (t->nlocs + 1) * sizeof(*t->locs));
		t->locs[t->nlocs++] = l;
		if (id == 0 && l.alias < 0) {
			snprintf(t->def_file, sizeof(t->def_file), "%s", l.file);
			t->def_line = l.line;
		}
	}
}

/* The trace directory of the process that loaded variant v (its sources/, triton-cache/). */
static const char *variant_trace_dir(const struct kca_model *m, const struct kca_family *f,
				     unsigned v)
{
	return m->procs[m->loads[f->variants[v].first_load].proc].dir;
}

/* triton/compiler/compiler.py: file_name = src.name[:150] */
#define KCA_TRITON_FILE_NAME_MAX 150

void kca_triton_entry_file(const struct kca_family *f, unsigned v, const char *ext, char *out,
			   size_t cap)
{
	snprintf(out, cap, "%s/%.*s.%s", f->variants[v].triton_dir, KCA_TRITON_FILE_NAME_MAX,
		 f->name, ext);
}

/* Variant v's Triton IR: the cache's .source (TTIR with locations), else its .ttir. */
static char *read_triton_ir(const struct kca_family *f, unsigned v)
{
	char path[PATH_MAX + 256];
	kca_triton_entry_file(f, v, "source", path, sizeof(path));
	char *text = kca_read_file(path, NULL);
	if (!text) {
		kca_triton_entry_file(f, v, "ttir", path, sizeof(path));
		text = kca_read_file(path, NULL);
	}
	return text;
}

int kca_triton_def_file(const struct kca_family *f, unsigned v, char *out, size_t cap)
{
	char *text = f->variants[v].triton_dir ? read_triton_ir(f, v) : NULL;
	if (!text)
		return -ENOENT;
	struct ttir t = {0};
	parse_locs(&t, text);
	free(t.locs);
	free(text);
	if (!t.def_file[0])
		return -ENOENT;
	snprintf(out, cap, "%s", t.def_file);
	return 0;
}

/* Whether a Triton family is Inductor's (torch.compile's): its def lies in a module of
 * Inductor's code cache, DIR/xy/cxy<hash>.py, or in a source that imports torch._inductor. */
int kca_triton_from_inductor(struct kca_model *m, const struct kca_family *f)
{
	if (strncmp(f->name, "triton_", 7) != 0)
		return 0;
	unsigned v = 0;
	while (v < f->nvariants && !f->variants[v].triton_dir)
		v++;
	if (v == f->nvariants)
		return 0;
	char def[PATH_MAX];
	if (kca_triton_def_file(f, v, def, sizeof(def)) < 0)
		return 0;
	const char *base = strrchr(def, '/');
	if (!base)
		return 0;
	size_t len = strlen(base + 1);
	if (base - def >= 3 && base[-3] == '/' && base[1] == 'c' && len > 6 &&
	    strcmp(base + len - 2, ".py") == 0 && strncmp(base - 2, base + 2, 2) == 0)
		return 1; /* .../xy/cxy....py */
	const struct kca_source_file *sf = source_file(m, def, variant_trace_dir(m, f, v));
	return sf->text && strstr(sf->text, "torch._inductor") != NULL;
}

/* Line `line` (1-based) of a source file, *eol its end; NULL if the file or line is not there. */
static const char *source_line(struct kca_model *m, const char *file, const char *trace_dir,
			       int line, const char **eol)
{
	const struct kca_source_file *sf = source_file(m, file, trace_dir);
	const char *p = line_at(sf, line > 1 ? (unsigned long)line : 1); /* 0: the first, as ever */
	if (p) {
		*eol = strchr(p, '\n');
		if (!*eol)
			*eol = sf->text + sf->size;
	}
	return p;
}

/* The line after the one ending at *eol (updated to its end), or NULL past the text's end. */
static const char *next_line(const char **eol)
{
	if (!**eol)
		return NULL;
	const char *n = *eol + 1;
	*eol = strchr(n, '\n');
	if (!*eol)
		*eol = n + strlen(n);
	return n;
}

/* Whether line p (ending at eol) belongs to a def's body: indented, or blank. */
static int in_body(const char *p, const char *eol)
{
	return *p == ' ' || *p == '\t' || p == eol;
}

/* The pointer a line's tl.load(PTR + ...) or tl.store(PTR + ...) reads or writes: its start,
 * *end its end, *call the call's start; NULL where the line has neither. */
static const char *load_pointer(const char *p, const char *eol, const char **end, const char **call)
{
	const char *c = memmem(p, (size_t)(eol - p), "tl.load(", 8);
	if (!c)
		c = memmem(p, (size_t)(eol - p), "tl.store(", 9);
	if (!c)
		return NULL;
	const char *ptr = strchr(c, '(') + 1, *pe = ptr;
	while (pe < eol && (isalnum((unsigned char)*pe) || *pe == '_'))
		pe++;
	*end = pe;
	*call = c;
	return pe > ptr ? ptr : NULL;
}

/* Whether the constant `value` used at column col of source line p (ending at eol; NULL: not
 * read) is a stride Inductor baked into a load's or a store's index (tl.load(in_ptr0 + (x0 +
 * 4160*x1), ...): the column at x1 or at 4160): out names it by the pointer and the index
 * ("in_ptr0 stride (x1)"). */
static int stride_at(const char *p, const char *eol, int col, const char *value, char *out,
		     size_t cap)
{
	size_t vlen = strlen(value);
	if (!p || col < 0 || p + col >= eol || !vlen)
		return 0;
	const char *pe, *call, *ptr = load_pointer(p, eol, &pe, &call);
	if (!ptr)
		return 0;
	const char *s = p + col, *idx = NULL;
	/* where the value would begin, before a '*' (inside the line) */
	const char *num = (size_t)(s - p) > vlen ? s - 1 - vlen : NULL;
	if (num && s[-1] == '*' && memcmp(num, value, vlen) == 0 &&
	    (num == p || !isalnum((unsigned char)num[-1])))
		idx = s; /* 4160*x1, the column at x1 */
	else if ((size_t)(eol - s) > vlen && memcmp(s, value, vlen) == 0 && s[vlen] == '*')
		idx = s + vlen + 1; /* the column at 4160 */
	if (!idx || !(isalpha((unsigned char)*idx) || *idx == '_'))
		return 0;
	const char *ie = idx;
	while (ie < eol && (isalnum((unsigned char)*ie) || *ie == '_'))
		ie++;
	if (s < call)
		return 0;
	snprintf(out, cap, "%.*s stride (%.*s)", (int)(pe - ptr), ptr, (int)(ie - idx), idx);
	return 1;
}

/* The strides a kernel's line p (ending at eol) takes as arguments: tl.load(in_ptr0 + (x0 +
 * ks0*x1)), where Dynamo made a stride that changed a symbol (its automatic dynamic shapes):
 * as the constants stride_at names, the argument its value. */
static void symbolic_strides(struct kca_changes *c, const char *p, const char *eol, unsigned v,
			     unsigned nvar)
{
	const char *pe, *call, *ptr = load_pointer(p, eol, &pe, &call);
	for (const char *k = ptr; k && k + 4 < eol; k++) {
		if (k[0] != 'k' || k[1] != 's' || !isdigit((unsigned char)k[2]) ||
		    isalnum((unsigned char)k[-1]) || k[-1] == '_')
			continue;
		const char *ke = k + 2;
		while (ke < eol && isdigit((unsigned char)*ke))
			ke++;
		if (ke + 1 >= eol || *ke != '*' || !(isalpha((unsigned char)ke[1]) || ke[1] == '_'))
			continue;
		const char *idx = ke + 1, *ie = idx;
		while (ie < eol && (isalnum((unsigned char)*ie) || *ie == '_'))
			ie++;
		char name[160], value[32];
		snprintf(name, sizeof(name), "%.*s stride (%.*s)", (int)(pe - ptr), ptr,
			 (int)(ie - idx), idx);
		snprintf(value, sizeof(value), "%.*s", (int)(ke - k), k);
		change_set(change_get(c, KCA_CHANGE_CONSTANT, name, NULL, nvar), v, value);
	}
}

/* What an Inductor kernel's code is, beside its constants, read in one walk of its def's body
 * (the def at line def_line of file, params its parameters): the inputs it reads (in_ptr0...)
 * and the lines of its body, and with `strides`, the strides it takes as arguments. Dynamo
 * compiles a graph for each length of a list it is given and each value of a Python int that
 * steers a loop or a branch, and Inductor names their kernels alike: the code differs, not a
 * constant. */
static void inductor_code(struct kca_model *m, struct kca_changes *c, const char *file,
			  const char *trace_dir, int def_line, const char *params, int strides,
			  unsigned v, unsigned nvar)
{
	unsigned inputs = 0, lines = 0;
	for (const char *p = params; p && (p = strstr(p, "in_ptr")) != NULL; p += 6)
		inputs += (p == params || !(isalnum((unsigned char)p[-1]) || p[-1] == '_')) &&
			  isdigit((unsigned char)p[6]);
	const char *eol, *p = source_line(m, file, trace_dir, def_line + 1, &eol);
	for (int n = 0; p && in_body(p, eol) && n < 2000; n++, p = next_line(&eol)) {
		lines += p + strspn(p, " \t") < eol;
		if (strides)
			symbolic_strides(c, p, eol, v, nvar);
	}
	if (!inputs)
		return; /* not Inductor's */
	char value[16];
	snprintf(value, sizeof(value), "%u", inputs);
	change_set(change_get(c, KCA_CHANGE_CODE, KCA_CODE_INPUTS, NULL, nvar), v, value);
	snprintf(value, sizeof(value), "%u", lines);
	change_set(change_get(c, KCA_CHANGE_CODE, KCA_CODE_LINES, NULL, nvar), v, value);
}

/* The identifier at column col (0-based) of source line p (ending at eol; NULL: not read): 0,
 * or 1 where it is a module or a function (followed by '.' or '(': the tl of tl.full), which
 * names no value. */
static int ident_at(const char *p, const char *eol, int col, char *out, size_t cap)
{
	int rc = -ENOENT;
	if (p) {
		if (col >= 0 && p + col < eol) {
			const char *s = p + col, *e = s;
			while (e < eol && (isalnum((unsigned char)*e) || *e == '_'))
				e++;
			/* a number given a name ("xnumel = 97": Inductor bakes sizes in so): the
			 * name */
			if (e > s && isdigit((unsigned char)*s)) {
				const char *n0 = p, *n1, *q;
				while (n0 < s && isspace((unsigned char)*n0))
					n0++;
				for (n1 = n0; n1 < s && (isalnum((unsigned char)*n1) || *n1 == '_');
				     n1++)
					;
				for (q = n1; q < s && *q == ' '; q++)
					;
				if (n1 > n0 && !isdigit((unsigned char)*n0) && q < s && *q == '=') {
					for (q++; q < s && *q == ' '; q++)
						;
					if (q == s)
						s = n0, e = n1;
				}
			}
			if (e > s) {
				snprintf(out, cap, "%.*s", (int)(e - s), s);
				rc = e < eol && (*e == '.' || *e == '(');
			}
		}
	}
	return rc;
}

/* The key=[...] of a decorator's text from s to end, as written, into out ("" if none). */
static void autotune_key(const char *s, const char *end, char *out, size_t cap)
{
	out[0] = '\0';
	const char *k = memmem(s, (size_t)(end - s), "key=", 4);
	if (!k || k[4] != '[')
		return;
	const char *close = memchr(k + 4, ']', (size_t)(end - k - 4));
	if (close)
		snprintf(out, cap, "%.*s", (int)(close - k - 3), k + 4);
}

/* Is the def (at `def_line`, line number `line`) under a @triton.autotune? Decorators are the
 * lines above it that start with '@', with their continuation lines (a config list spans many). */
static void find_autotune(const char *text, const char *def_line, const char *path, int line,
			  struct kca_changes *out)
{
	const char *p = def_line;
	int depth =
	    0; /* brackets closed below, walking up: open ones above belong to a decorator */
	for (int l = line - 1; l >= 1 && line - l < 200; l--) {
		const char *end = p - 1; /* the '\n' ending line l */
		if (end < text)
			return;
		const char *start = end;
		while (start > text && start[-1] != '\n')
			start--;
		for (const char *q = start; q < end; q++) {
			depth += *q == ')' || *q == ']';
			depth -= *q == '(' || *q == '[';
		}
		const char *s = start;
		while (s < end && isspace((unsigned char)*s))
			s++;
		if (depth <= 0 && *s != '@' && s < end && *s != '#')
			return; /* code that is not a decorator: above the decorators */
		if (*s == '@' && depth <= 0 && memmem(s, (size_t)(end - s), "heuristics(", 11) &&
		    !out->heuristics_where[0]) {
			snprintf(out->heuristics_where, sizeof(out->heuristics_where), "%s:%d",
				 path, l);
			snprintf(out->heuristics, sizeof(out->heuristics), "%.*s",
				 (int)(def_line - s), s);
		}
		if (*s == '@' && depth <= 0) {
			depth = 0;
			/* Inductor wraps a user's @triton.jit kernel it calls in its own
			 * user_autotune, with no configs where the user gave none */
			if (memmem(s, (size_t)(end - s), "autotune", 8) &&
			    !memmem(s, (size_t)(def_line - s), "configs=[]", 10)) {
				snprintf(out->autotune_where, sizeof(out->autotune_where), "%s:%d",
					 path, l);
				autotune_key(s, def_line, out->autotune_key,
					     sizeof(out->autotune_key));
				return;
			}
		}
		p = start;
	}
}

/* The def at or below line `line` of sf (within 200 characters of the line's start): the '('
 * of its parameter list, *close its ')', *line_start the line; NULL where there is none. */
static const char *def_parens(const struct kca_source_file *sf, int line, const char **close,
			      const char **line_start)
{
	const char *p = line_at(sf, line > 1 ? (unsigned long)line : 1);
	const char *def = p ? strstr(p, "def ") : NULL;
	const char *open = def ? strchr(def, '(') : NULL;
	if (!open || def - p >= 200)
		return NULL;
	int depth = 0;
	for (const char *q = open; *q; q++) {
		depth += *q == '(' || *q == '[';
		depth -= *q == ')' || *q == ']';
		if (depth == 0) {
			*close = q;
			*line_start = p;
			return open;
		}
	}
	return NULL;
}

/* The kernel's def at file:line, its parameter list, and which are tl.constexpr. */
static void read_def(struct kca_model *m, const char *file, const char *trace_dir, int line,
		     struct kca_changes *out, char constexprs[][64], int *nconst)
{
	*nconst = 0;
	const struct kca_source_file *sf = source_file(m, file, trace_dir);
	if (!sf->text)
		return;
	const char *text = sf->text, *path = sf->path, *close, *p;
	const char *open = def_parens(sf, line, &close, &p);
	if (!open)
		return;
	const char *def = strstr(p, "def ");
	/* one line of text, whitespace runs folded */
	char sig[512];
	size_t k = 0;
	for (const char *s = def + 4; s <= close && k + 1 < sizeof(sig); s++) {
		char ch = isspace((unsigned char)*s) ? ' ' : *s;
		if (ch == ' ' && k && sig[k - 1] == ' ')
			continue;
		sig[k++] = ch;
	}
	sig[k] = '\0';
	snprintf(out->kernel_def, sizeof(out->kernel_def), "%s", sig);
	snprintf(out->def_where, sizeof(out->def_where), "%s:%d", path, line);
	find_autotune(text, p, path, line, out);
	/* parameters: split the top level of (...) on commas */
	const char *s = open + 1;
	while (s < close && *nconst < 16) {
		const char *e = s;
		int d = 0;
		while (e < close && (d > 0 || *e != ',')) {
			d += *e == '(' || *e == '[';
			d -= *e == ')' || *e == ']';
			e++;
		}
		const char *colon = memchr(s, ':', (size_t)(e - s));
		const char *ce = memmem(s, (size_t)(e - s), "constexpr", 9);
		if (colon && ce) {
			const char *n0 = s;
			while (n0 < colon && isspace((unsigned char)*n0))
				n0++;
			const char *n1 = colon;
			while (n1 > n0 && isspace((unsigned char)n1[-1]))
				n1--;
			snprintf(constexprs[*nconst], 64, "%.*s", (int)(n1 - n0), n0);
			(*nconst)++;
		}
		s = e + 1;
	}
}

/* The parameter list of the def at file:line, malloc'd ("a, b: tl.constexpr"), or NULL. */
static char *def_params(struct kca_model *m, const char *file, const char *trace_dir, int line)
{
	const struct kca_source_file *sf = source_file(m, file, trace_dir);
	const char *close, *p;
	const char *open = def_parens(sf, line, &close, &p);
	if (!open)
		return NULL;
	char *params = kca_xmalloc((size_t)(close - open));
	memcpy(params, open + 1, (size_t)(close - open - 1));
	params[close - open - 1] = '\0';
	return params;
}

/* Whether parameter list params names `name` (a whole word). */
static int params_name(const char *params, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = params; (p = strstr(p, name)) != NULL; p++) {
		int before = p == params || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
		int after = !(isalnum((unsigned char)p[len]) || p[len] == '_');
		if (before && after)
			return 1;
	}
	return 0;
}

/* Whether %name is read in body (a NUL-terminated tail of TTIR text). */
static int ssa_used(const char *body, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = body; (p = strchr(p, '%')) != NULL; p++)
		if (strncmp(p + 1, name, n) == 0 && !isalnum((unsigned char)p[1 + n]) &&
		    p[1 + n] != '_')
			return 1;
	return 0;
}

/* values: read the constants and the specialisation from the IR too (no record of the call's
 * own arguments); else only the def and the config. */
static void triton_variant(struct kca_model *m, struct kca_changes *c, const struct kca_family *f,
			   unsigned v, unsigned nvar, char constexprs[][64], int *nconst,
			   int values, char **params)
{
	const char *trace_dir = variant_trace_dir(m, f, v);
	char path[PATH_MAX + 256];
	char *text = read_triton_ir(f, v);
	if (text) {
		struct ttir t = {0};
		parse_locs(&t, text);
		if (!c->kernel_def[0] && t.def_file[0])
			read_def(m, t.def_file, trace_dir, t.def_line, c, constexprs, nconst);
		if (t.def_file[0]) {
			*params = def_params(m, t.def_file, trace_dir, t.def_line);
			inductor_code(m, c, t.def_file, trace_dir, t.def_line, *params, values, v,
				      nvar);
		}
		if (!values)
			goto config;
		/* the signature: runtime args, with tt.divisibility where Triton specialised */
		const char *fn = strstr(text, "tt.func");
		const char *sig_end = fn ? strstr(fn, ") attributes") : NULL;
		if (!sig_end && fn)
			sig_end = strchr(fn, '{');
		for (const char *a = fn; a && sig_end && (a = strchr(a, '%')) && a < sig_end; a++) {
			const char *e = a + 1;
			while (isalnum((unsigned char)*e) || *e == '_')
				e++;
			if (*e != ':')
				continue;
			char arg[64];
			snprintf(arg, sizeof(arg), "%.*s", (int)(e - a - 1), a + 1);
			const char *next = strchr(e, '%');
			if (!next || next > sig_end)
				next = sig_end;
			int div = memmem(e, (size_t)(next - e), "tt.divisibility = 16", 20) != NULL;
			/* an argument the body never reads (Inductor's "xnumel = 97" overwrites it
			 * with the size it baked in): how Triton specialised it changes nothing */
			int is_int = (memmem(e, (size_t)(next - e), ": i32", 5) ||
				      memmem(e, (size_t)(next - e), ": i64", 5)) &&
				     ssa_used(sig_end, arg);
			char name[160];
			snprintf(name, sizeof(name), "%s %% 16 == 0", arg);
			if (is_int) {
				change_set(change_get(c, KCA_CHANGE_DIVISIBILITY, name, NULL, nvar),
					   v, div ? "yes" : "no");
				/* Triton types an int by its value: i64 past 2**31 */
				change_set(change_get(c, KCA_CHANGE_TYPE, arg, NULL, nvar), v,
					   memmem(e, (size_t)(next - e), ": i64", 5) ? "i64"
										     : "i32");
			}
			snprintf(name, sizeof(name), "%s == 1", arg);
			change_set(change_get(c, KCA_CHANGE_EQUALS_ONE, name, NULL, nvar), v, "no");
			a = e;
		}
		/* constants: arith.constant <v> / dense<v>, and the end of a tl.arange (a block
		 * size: Triton gives the constants that range() takes no location), keyed by where
		 * they are used */
		static const char *const ops[] = {"arith.constant ", "tt.make_range {end = "};
		for (unsigned op = 0; op < sizeof(ops) / sizeof(ops[0]); op++) {
			for (const char *p = text; (p = strstr(p, ops[op])) != NULL; p++) {
				const char *q = p + strlen(ops[op]);
				if (strncmp(q, "dense<", 6) == 0)
					q += 6;
				char value[64];
				int k = 0;
				while ((isalnum((unsigned char)*q) || *q == '-' || *q == '.' ||
					*q == '+') &&
				       k < 63)
					value[k++] = *q++;
				value[k] = '\0';
				/* MLIR writes floats as 3.000000e+00 or 1.66666663: shorter, 3
				 * and 1.66667 */
				char *fend;
				double fv = strtod(value, &fend);
				if ((strchr(value, 'e') || strchr(value, '.')) && !*fend && k)
					snprintf(value, sizeof(value), "%g", fv);
				const char *eol = strchr(p, '\n');
				const char *lp = strstr(p, "loc(#loc");
				if (!k || !lp || (eol && lp > eol))
					continue;
				const char *idp = lp + 8;
				int id =
				    isdigit((unsigned char)*idp) ? (int)strtol(idp, NULL, 10) : 0;
				const char *assigned;
				struct loc *l = loc_find(&t, id, &assigned);
				if (!l || !l->line)
					continue;
				char key[160], where[PATH_MAX + 32], ident[64] = "";
				const struct kca_source_file *sf =
				    source_file(m, l->file, trace_dir);
				snprintf(where, sizeof(where), "%s:%d",
					 sf->path ? sf->path : l->file, l->line);
				/* the name at the column, unless a module or function's (the
				 * constant is then an argument of a call: the variable the
				 * call's value is assigned to names it, where Triton says) */
				const char *leol = NULL, *line = source_line(m, l->file, trace_dir,
									     l->line, &leol);
				int rc = ident_at(line, leol, l->col, ident, sizeof(ident));
				if (stride_at(line, leol, l->col, value, key, sizeof(key)))
					; /* a stride of a view, not the size it is near */
				else if (rc == 1 && assigned[0])
					snprintf(key, sizeof(key), "%s", assigned);
				else if (rc >= 0)
					snprintf(key, sizeof(key), "%s", ident);
				else
					snprintf(key, sizeof(key), "constant at line %d col %d",
						 l->line, l->col);
				struct kca_change *ch =
				    change_get(c, KCA_CHANGE_CONSTANT, key, where, nvar);
				for (int i = 0; i < *nconst; i++)
					ch->is_param |= strcmp(constexprs[i], key) == 0;
				change_add(ch, v, value);
			}
		}
	config:
		free(t.locs);
		free(text);
	}
	/* the config: what autotune varies */
	kca_triton_entry_file(f, v, "json", path, sizeof(path));
	char *json = kca_read_file(path, NULL);
	static const char *const keys[] = {"num_warps", "num_stages", "num_ctas", "maxnreg"};
	for (unsigned i = 0; json && i < sizeof(keys) / sizeof(keys[0]); i++) {
		char pat[64];
		snprintf(pat, sizeof(pat), "\"%s\": ", keys[i]);
		const char *p = strstr(json, pat);
		if (!p)
			continue;
		p += strlen(pat);
		char value[32];
		int k = 0;
		while (*p && *p != ',' && *p != '}' && k < 31)
			value[k++] = *p++;
		value[k] = '\0';
		change_set(change_get(c, KCA_CHANGE_CONFIG, keys[i], NULL, nvar), v, value);
	}
	free(json);
}

/* ---- Triton: the call's own specialisation, recorded where it was made (python.c) -------- */

/* Whether every variant's first load carries Triton's arguments of its build. */
static int have_triton_args(const struct kca_model *m, const struct kca_family *f)
{
	for (unsigned v = 0; v < f->nvariants; v++)
		if (!m->loads[f->variants[v].first_load].ntriton_args)
			return 0;
	return f->nvariants > 0;
}

/* Variant v's tl.constexpr values and int (and pointer) specialisation, as Triton's JIT had
 * them when it built it, named by their parameters; where: the program's line that called. */
static void triton_args_variant(struct kca_model *m, struct kca_changes *c,
				const struct kca_family *f, unsigned v, unsigned nvar)
{
	const struct kca_load *l = &m->loads[f->variants[v].first_load];
	char where[1100] = "", func[256], site[1400] = "";
	if (kca_user_frame(l->py_frames, l->npy_frames, m->procs[l->proc].cwd, where, sizeof(where),
			   func, sizeof(func)) == 0)
		kca_site_text(where, func, site, sizeof(site));
	for (unsigned i = 0; i < l->ntriton_args; i++) {
		struct kca_triton_arg ta;
		if (kca_triton_arg(l->triton_args[i], &ta) < 0)
			continue;
		char name[96], kind[32], label[160];
		snprintf(name, sizeof(name), "%.*s", ta.name_len, ta.name);
		snprintf(kind, sizeof(kind), "%.*s", ta.kind_len, ta.kind);
		const char *value = ta.value;
		if (strcmp(kind, "constexpr") == 0) {
			struct kca_change *ch =
			    change_get(c, KCA_CHANGE_CONSTANT, name, site, nvar);
			ch->is_param = 1;
			change_set(ch, v, value);
			continue;
		}
		snprintf(label, sizeof(label), "%s == 1", name);
		if (strcmp(kind, "specialized") == 0 && strcmp(value, "1") == 0) {
			/* an int Triton made the constant 1 (so not divisible by 16) */
			change_set(change_get(c, KCA_CHANGE_EQUALS_ONE, label, NULL, nvar), v,
				   "yes");
			snprintf(label, sizeof(label), "%s %% 16 == 0", name);
			change_set(change_get(c, KCA_CHANGE_DIVISIBILITY, label, NULL, nvar), v,
				   "no");
			continue;
		}
		if (strcmp(kind, "specialized") == 0) { /* None (an optional tensor), or another */
			change_set(change_get(c, KCA_CHANGE_TYPE, name, site, nvar), v, value);
			continue;
		}
		int is_int = (kind[0] == 'i' || kind[0] == 'u') && isdigit((unsigned char)kind[1]);
		int is_ptr = kind[0] == '*';
		if (!is_int && !is_ptr)
			continue; /* floats and the rest: Triton does not specialise them */
		/* a tensor's dtype, or an int's width (i32, or i64 past 2**31): a build each */
		change_set(change_get(c, KCA_CHANGE_TYPE, name, site, nvar), v, kind);
		if (is_int)
			change_set(change_get(c, KCA_CHANGE_EQUALS_ONE, label, NULL, nvar), v,
				   "no");
		if (is_int)
			snprintf(label, sizeof(label), "%s %% 16 == 0", name);
		else /* a pointer's data address */
			snprintf(label, sizeof(label), "%s 16-byte aligned", name);
		change_set(change_get(c, KCA_CHANGE_DIVISIBILITY, label, NULL, nvar), v,
			   strcmp(value, "D") == 0 ? "yes" : "no");
	}
}

/* Args present in some variants' signatures and gone from others were specialised to 1,
 * where the variant's def has them (params[v]: its parameter list, NULL if unread): Inductor
 * writes a def for each variant, and an argument of one (ks0, a size it took as an argument
 * after baking it into the other) is no parameter of the other. */
static void fix_equals_one(struct kca_changes *c, char *const *params)
{
	for (unsigned i = 0; i < c->nchanges; i++) {
		struct kca_change *ch = &c->changes[i];
		if (ch->kind != KCA_CHANGE_EQUALS_ONE)
			continue;
		char arg[160];
		snprintf(arg, sizeof(arg), "%.*s", (int)strcspn(ch->name, " "), ch->name);
		for (unsigned v = 0; v < ch->nvalues; v++)
			if (!ch->values[v] && (!params[v] || params_name(params[v], arg)))
				ch->values[v] = kca_xstrdup("yes");
	}
}

/* The variant specialised on an int equal to 1 has it as a constant in its IR (n_rows: 1) and
 * the others not: that is the equals_one line again, not a constant of its own. */
static void drop_equals_one_constants(struct kca_changes *c)
{
	unsigned char *drop = kca_xcalloc(c->nchanges + 1, 1);
	for (unsigned i = 0; i < c->nchanges; i++) {
		const struct kca_change *ch = &c->changes[i];
		int one_only = ch->kind == KCA_CHANGE_CONSTANT;
		for (unsigned v = 0; one_only && v < ch->nvalues; v++)
			one_only = !ch->values[v] || strcmp(ch->values[v], "1") == 0;
		char eq[160];
		snprintf(eq, sizeof(eq), "%s == 1", ch->name);
		drop[i] = one_only && change_find(c, KCA_CHANGE_EQUALS_ONE, eq) != NULL;
	}
	drop_marked(c, drop);
	free(drop);
}

/* ---- NVRTC and link options ----------------------------------------------------------------- */

/* A -D's NAME[=VALUE] as variant v's value of NAME ("(defined)" without a value). */
static struct kca_change *define_set(struct kca_changes *c, const char *def, const char *site,
				     unsigned v, unsigned nvar)
{
	const char *eq = strchr(def, '=');
	char name[128], value[128];
	snprintf(name, sizeof(name), "%.*s", (int)(eq ? eq - def : (long)strlen(def)), def);
	snprintf(value, sizeof(value), "%s", eq ? eq + 1 : "(defined)");
	struct kca_change *ch = change_get(c, KCA_CHANGE_DEFINE, name, site, nvar);
	change_set(ch, v, value);
	return ch;
}

/* Whether a command-line argument is a file of the build itself: a source or what the build
 * writes (kernel.cu, /b/ext/ext.cu, ext.cuda.o, ext.cuda.o.d, ext.so), by its extension; not a
 * directory searched or a tool (-isystem /usr/include/python3.12, -ccbin /opt/gcc/bin/gcc). */
static int build_file(const char *arg)
{
	static const char *const exts[] = {".cu",    ".cuh",	".cpp",	  ".cc", ".cxx", ".c",
					   ".o",     ".obj",	".d",	  ".so", ".a",	 ".ptx",
					   ".cubin", ".fatbin", ".ltoir", ".ii", ".i",	 NULL};
	const char *base = kc_base_name(arg);
	for (const char *dot = strchr(base, '.'); dot; dot = strchr(dot + 1, '.'))
		for (int i = 0; exts[i]; i++)
			if (strcmp(dot, exts[i]) == 0 ||
			    (strncmp(dot, exts[i], strlen(exts[i])) == 0 &&
			     dot[strlen(exts[i])] == '.'))
				return 1;
	return 0;
}

int kca_define_names_build(const char *const *argv, unsigned argc, unsigned at, const char *def)
{
	const char *value = strchr(def, '=');
	if (!value || !*++value || strspn(value, "0123456789+-.") == strlen(value))
		return 0;
	size_t n = strlen(value);
	for (unsigned k = 1; k < argc; k++) {
		const char *o = argv[k];
		if (k == at || !build_file(o))
			continue;
		for (const char *p = strstr(o, value); p; p = strstr(p + 1, value))
			if ((p == o || p[-1] == '/') && (!p[n] || p[n] == '.' || p[n] == '/'))
				return 1;
	}
	return 0;
}

/* One compile's options into variant v's values (the first value of a name per variant). */
static void options_of(struct kca_model *m, struct kca_changes *c, const struct kca_compile *cp,
		       unsigned v, unsigned nvar)
{
	/* where: the program's line that asked for the build with these options */
	char where[512] = "", func[128], site[700] = "";
	if (kca_compile_call_site(m, cp, where, sizeof(where), func, sizeof(func)) == 0)
		kca_site_text(where, func, site, sizeof(site));
	for (unsigned i = 0; i < cp->noptions; i++) {
		const char *o = cp->options[i];
		char name[128], value[128];
		/* -DNAME=V, or NVRTC's long form (cuda.core's ProgramOptions(define_macro=)) */
		static const char long_form[] = "--define-macro=";
		if (strncmp(o, "-D", 2) == 0) {
			define_set(c, o + 2, site, v, nvar);
		} else if (strncmp(o, long_form, sizeof(long_form) - 1) == 0) {
			define_set(c, o + sizeof(long_form) - 1, site, v, nvar);
		} else {
			const char *eq = strchr(o, '=');
			snprintf(name, sizeof(name), "%.*s", (int)(eq ? eq - o : (long)strlen(o)),
				 o);
			snprintf(value, sizeof(value), "%s", eq ? eq + 1 : "(set)");
			change_set(change_get(c, KCA_CHANGE_OPTION, name, site, nvar), v, value);
		}
	}
}

/* A family's compiles whose output went into another compile (NVRTC's PTX into a link), by
 * the compile at the end of their chain. */
struct chained {
	int root;
	unsigned compile;
};

static int cmp_chained(const void *a, const void *b)
{
	const struct chained *x = a, *y = b;
	if (x->root != y->root)
		return x->root < y->root ? -1 : 1;
	return x->compile < y->compile ? -1 : x->compile > y->compile;
}

static struct chained *family_chained(const struct kca_model *m, const struct kca_family *f,
				      unsigned *n)
{
	struct chained *c = kca_xmalloc((f->ncompiles + 1) * sizeof(*c));
	*n = 0;
	for (unsigned i = 0; i < f->ncompiles; i++)
		if (m->compiles[f->compiles[i]].via >= 0)
			c[(*n)++] =
			    (struct chained){m->compiles[f->compiles[i]].root, f->compiles[i]};
	qsort(c, *n, sizeof(*c), cmp_chained);
	return c;
}

/* Variant v's options: those of the compile whose output it loaded, and of the compiles
 * whose outputs went into that one (NVRTC's -D values before an nvJitLink). */
static void options_variant(struct kca_model *m, struct kca_changes *c, const struct kca_family *f,
			    unsigned v, unsigned nvar, const struct chained *chain, unsigned nchain)
{
	int direct = f->variants[v].compile;
	options_of(m, c, &m->compiles[direct], v, nvar);
	unsigned lo = 0, hi = nchain; /* the first of direct's chain */
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (chain[mid].root < direct)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (unsigned i = lo; i < nchain && chain[i].root == direct; i++)
		options_of(m, c, &m->compiles[chain[i].compile], v, nvar);
}

/* Variant v's -D values from the command lines of the compiler children that built it (nvcc
 * -DMAX_LEN=500 ...): their other arguments, paths among them, tell nothing. */
static void child_defines_variant(struct kca_model *m, struct kca_changes *c,
				  const struct kca_family *f, unsigned v, unsigned nvar)
{
	for (unsigned i = 0; i < f->ncompiles; i++) {
		const struct kca_compile *cp = &m->compiles[f->compiles[i]];
		if (!kca_child_built(m, cp, f->variants[v].hash))
			continue;
		for (unsigned k = 1; k < cp->noptions; k++) {
			const char *o = cp->options[k], *def = NULL;
			if (strcmp(o, "-D") == 0 && k + 1 < cp->noptions)
				def = cp->options[++k]; /* -D NAME=VALUE */
			else if (strncmp(o, "-D", 2) == 0)
				def = o + 2;
			if (def) { /* names the build: in every run of every variant */
				struct kca_change *ch = define_set(c, def, "", v, nvar);
				if (kca_define_names_build((const char *const *)cp->options,
							   cp->noptions, k, def))
					ch->names_build_runs++;
				else
					ch->other_runs++;
			}
		}
	}
}

/* ---- PTX text: numbers on lines that differ ---------------------------------------------- */

/* What a fatbin carries for its newest architectures, from one read and one walk: its PTX
 * (decompressed, NUL-terminated, to free) and that PTX's SM; the hash of its newest machine
 * code, decompressed, with its SM (0 where it has none or it does not decode: two builds of
 * one PTX with other ptxas options, -maxrregcount, differ there only). */
struct fatbin_newest {
	unsigned ptx_sm, sass_sm;
	char *ptx;
	uint64_t sass_hash;
};

static int keep_newest(const struct kc_fatbin_entry *e, void *ctx)
{
	struct fatbin_newest *p = ctx;
	size_t n;
	char *payload;
	if (e->kind == KC_IMAGE_PTX && !(p->ptx && e->sm <= p->ptx_sm)) {
		if (!(payload = kc_fatbin_entry_payload(e, &n)))
			return 0;
		free(p->ptx);
		p->ptx = kca_xmalloc(n + 1);
		memcpy(p->ptx, payload, n);
		p->ptx[n] = '\0';
		p->ptx_sm = e->sm;
		free(payload);
	} else if (e->kind == KC_IMAGE_CUBIN && !(p->sass_hash && e->sm <= p->sass_sm)) {
		payload = kc_fatbin_entry_payload(e, &n);
		p->sass_hash = payload ? kc_hash64(payload, n) ^ e->sm : 0;
		p->sass_sm = e->sm;
		free(payload);
	}
	return 0;
}

static struct fatbin_newest fatbin_newest(const char *path)
{
	size_t size;
	char *image = kca_read_file(path, &size);
	struct fatbin_newest p = {0, 0, NULL, 0};
	if (image)
		kc_fatbin_walk(image, size, keep_newest, &p);
	free(image);
	return p;
}

char *kca_fatbin_ptx(const char *path, unsigned *sm)
{
	struct fatbin_newest p = fatbin_newest(path);
	*sm = p.ptx_sm;
	return p.ptx;
}

/* Whether a PTX line is debug information only: .loc and .file (nvcc -lineinfo, -G), which
 * say where code came from and shift every line after them. */
static int ptx_debug_line(const char *p, size_t len)
{
	while (len && (*p == ' ' || *p == '\t'))
		p++, len--;
	return (len >= 5 && strncmp(p, ".loc", 4) == 0 && isspace((unsigned char)p[4])) ||
	       (len >= 6 && strncmp(p, ".file", 5) == 0 && isspace((unsigned char)p[5]));
}

/* The next line of PTX code from *p (its line number in *line), debug lines passed over;
 * its length into *len, NULL at the end. */
static const char *ptx_code_line(const char **p, int *line, size_t *len)
{
	while (**p) {
		const char *s = *p, *e = strchr(s, '\n');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		*p = e ? e + 1 : s + n;
		++*line;
		if (!ptx_debug_line(s, n)) {
			*len = n;
			return s;
		}
	}
	return NULL;
}

/* Kernel `name`'s .entry in PTX text: from its line to its closing brace, copied (to free),
 * and the number of the line before it in *line0; NULL where the text has no such entry. A
 * change elsewhere in its module (another kernel's) is not this kernel's. */
static char *ptx_entry(const char *text, const char *name, int *line0)
{
	size_t n = strlen(name);
	for (const char *p = strstr(text, ".entry "); p; p = strstr(p + 7, ".entry ")) {
		const char *q = p + 7;
		while (*q == ' ')
			q++;
		if (strncmp(q, name, n) != 0 || (q[n] != '(' && !isspace((unsigned char)q[n])))
			continue;
		const char *start = p;
		while (start > text && start[-1] != '\n')
			start--;
		int depth = 0, opened = 0;
		const char *e = q;
		for (; *e && !(opened && depth == 0); e++) {
			depth += *e == '{';
			opened |= *e == '{';
			depth -= *e == '}';
		}
		if (!opened || depth)
			return NULL;
		*line0 = 0;
		for (const char *c = text; c < start; c++)
			*line0 += *c == '\n';
		size_t len = (size_t)(e - start);
		char *copy = kca_xmalloc(len + 1);
		memcpy(copy, start, len);
		copy[len] = '\0';
		return copy;
	}
	return NULL;
}

/* Whether a PTX line declares registers (.reg .b32 %r<75>;): their count follows any change
 * in the code, and says nothing of what changed. */
static int ptx_reg_line(const char *p, size_t n)
{
	while (n && (*p == ' ' || *p == '\t'))
		p++, n--;
	return n >= 5 && memcmp(p, ".reg ", 5) == 0;
}

/* Whether two PTX texts are the same code, debug lines aside. */
static int ptx_same_code(const char *a, const char *b)
{
	int la = 0, lb = 0;
	for (;;) {
		size_t na, nb;
		const char *x = ptx_code_line(&a, &la, &na), *y = ptx_code_line(&b, &lb, &nb);
		if (!x || !y)
			return !x && !y;
		if (na != nb || memcmp(x, y, na) != 0)
			return 0;
	}
}

/* The variants' PTX, each against the first variant with PTX: the first's text, and how many
 * have the same PTX (debug lines aside), the same machine code too, the same kernel entry. */
struct ptx_compare {
	char *first_text, *first_entry; /* the first's text, and its kernel's .entry (or NULL) */
	int first_entry_line0;		/* the line before that entry */
	unsigned first_v;
	uint64_t first_sass;
	unsigned same, same_sass, same_entry;
};

int kca_child_input_ptx(const struct kca_model *m, const struct kca_family *f, unsigned v,
			char *path, size_t cap)
{
	const struct kca_load *l = &m->loads[f->variants[v].first_load];
	for (unsigned i = 0; i < f->ncompiles; i++) {
		const struct kca_compile *c = &m->compiles[f->compiles[i]];
		if (c->input_hash && kca_child_built(m, c, f->variants[v].hash) &&
		    kca_image_kind_path(m->procs[l->proc].dir, c->input_hash, KC_IMAGE_PTX, path,
					cap) == 0)
			return 0;
	}
	return -ENOENT;
}

static void ptx_variant(struct kca_model *m, struct kca_changes *c, const struct kca_family *f,
			unsigned v, unsigned nvar, struct ptx_compare *pc)
{
	const struct kca_load *l = &m->loads[f->variants[v].first_load];
	char path[PATH_MAX + 64];
	int cubin = f->variants[v].kind == KC_IMAGE_CUBIN; /* its PTX: the child's input */
	if (cubin ? kca_child_input_ptx(m, f, v, path, sizeof(path)) < 0
		  : kca_image_path(m->procs[l->proc].dir, f->variants[v].hash, path, sizeof(path)) <
			0)
		return;
	/* the same code: the same PTX, and the same machine code where they carry it (a cubin
	 * its own) */
	struct fatbin_newest fb = {0, 0, NULL, 0};
	if (f->variants[v].kind == KC_IMAGE_FATBIN)
		fb = fatbin_newest(path);
	char *text = f->variants[v].kind == KC_IMAGE_FATBIN ? fb.ptx : kca_read_file(path, NULL);
	if (!text)
		return;
	uint64_t sass = cubin ? f->variants[v].hash : fb.sass_hash;
	if (!pc->first_text) {
		pc->first_text = text;
		pc->first_v = v;
		pc->first_sass = sass;
		pc->same++;
		pc->same_sass++;
		pc->first_entry = ptx_entry(text, f->name, &pc->first_entry_line0);
		pc->same_entry += pc->first_entry != NULL;
		return;
	}
	int same_text = ptx_same_code(pc->first_text, text);
	pc->same += same_text;
	pc->same_sass += same_text && sass == pc->first_sass;
	/* Line by line against the first variant, debug lines passed over (so that -lineinfo
	 * shifts nothing); the first few lines that differ, by the first variant's numbers.
	 * Only the kernel's own .entry where both have it. */
	int line = 0, line_b = 0, shown = 0;
	char *eb = pc->first_entry ? ptx_entry(text, f->name, &line_b) : NULL;
	pc->same_entry += eb && ptx_same_code(pc->first_entry, eb);
	if (eb)
		line = pc->first_entry_line0;
	else
		line_b = 0;
	const char *pa = eb ? pc->first_entry : pc->first_text, *pb = eb ? eb : text;
	unsigned rows = 0; /* PTX lines in the table so far */
	for (unsigned i = 0; i < c->nchanges; i++)
		rows += c->changes[i].kind == KCA_CHANGE_PTX;
	size_t la, lb;
	const char *a, *b;
	while (shown < 3 && (a = ptx_code_line(&pa, &line, &la)) != NULL &&
	       (b = ptx_code_line(&pb, &line_b, &lb)) != NULL) {
		if ((la != lb || memcmp(a, b, la) != 0) &&
		    !(ptx_reg_line(a, la) && ptx_reg_line(b, lb))) {
			char name[64];
			snprintf(name, sizeof(name), "PTX line %d", line);
			/* a few lines tell what changed; thousands of variants each differing on
			 * lines of their own would make a table of lines x variants: past the
			 * limit, only the lines already in the table get this variant's value */
			int known = change_find(c, KCA_CHANGE_PTX, name) != NULL;
			if (known || rows < KCA_MAX_PTX_LINES) {
				rows += !known;
				struct kca_change *ch =
				    change_get(c, KCA_CHANGE_PTX, name, NULL, nvar);
				char va[160], vb[160];
				snprintf(va, sizeof(va), "%.*s", (int)(la < 150 ? la : 150), a);
				snprintf(vb, sizeof(vb), "%.*s", (int)(lb < 150 ? lb : 150), b);
				change_set(ch, pc->first_v, va);
				change_set(ch, v, vb);
				shown++;
			}
		}
	}
	free(eb);
	free(text);
}

/* The source text of the NVRTC program that built variant v (its compile's, or for a link,
 * that of the NVRTC compile whose output it linked), as stored in the trace; NULL if none. */
/* NVVM IR text as two builds of one numba kernel can be compared: its dispatcher's uid taken
 * out of mangled names ("B2v17": each new dispatcher has its own) and the ModuleID comment
 * emptied (it numbers them too, "scale$3"), so that two builds' IR differ where their code
 * does. In place. */
static void normalise_numba_ir(char *text)
{
	char *w = text;
	for (const char *p = text; *p;) {
		if ((p == text || p[-1] == '\n') && strncmp(p, "; ModuleID", 10) == 0) {
			*w++ = ';';
			p += strcspn(p, "\n");
			continue;
		}
		if (p[0] == 'B' && p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '_') &&
		    isdigit((unsigned char)p[1])) {
			char *end;
			unsigned long len = strtoul(p + 1, &end, 10);
			if (*end == 'v' && len >= 2 && len < 12 &&
			    strspn(end + 1, "0123456789") >= len - 1) {
				p = end + len;
				continue;
			}
		}
		*w++ = *p++;
	}
	*w = '\0';
}

/* Variant v's program source: NVRTC's (.cu), or the NVVM IR numba wrote (.ll, *ir set), its
 * uids out. */
static char *nvrtc_source(struct kca_model *m, const struct kca_family *f, unsigned v, int *ir)
{
	const struct kca_variant *var = &f->variants[v];
	const struct kca_compile *src = NULL;
	if (var->compile < 0)
		return NULL;
	unsigned tool = m->compiles[var->compile].tool;
	if (tool == KC_TOOL_NVRTC || tool == KC_TOOL_NVVM)
		src = &m->compiles[var->compile];
	for (unsigned i = 0; !src && i < f->ncompiles; i++) {
		const struct kca_compile *c = &m->compiles[f->compiles[i]];
		if ((c->tool == KC_TOOL_NVRTC || c->tool == KC_TOOL_NVVM) && c->via >= 0 &&
		    c->root == var->compile &&
		    m->compiles[c->via].tool != KC_TOOL_NVRTC) /* not a probe of it */
			src = c;
	}
	char path[PATH_MAX + 64];
	const char *dir = m->procs[m->loads[var->first_load].proc].dir;
	if (!src || !src->input_hash)
		return NULL;
	if (kca_image_kind_path(dir, src->input_hash, KC_IMAGE_SOURCE, path, sizeof(path)) == 0)
		return kca_read_file(path, NULL);
	char *ir_text =
	    kca_image_kind_path(dir, src->input_hash, KC_IMAGE_NVVM_IR, path, sizeof(path)) == 0
		? kca_read_file(path, NULL)
		: NULL;
	if (ir_text)
		normalise_numba_ir(ir_text);
	*ir = ir_text != NULL;
	return ir_text;
}

/* A text cut into lines (NUL-terminated in place). */
struct text_lines {
	char **line;
	size_t n;
};

static int text_lines_alike(size_t i, size_t j, const void *ctx)
{
	const struct text_lines *t = ctx; /* t[0] and t[1] */
	return strcmp(t[0].line[i], t[1].line[j]) == 0;
}

/* Of lines b[j0..j1), the one most like line a but not a: the longest prefix and suffix in
 * common ("typedef float T;" and "typedef float16 T;", an #include added before it); j0
 * where none shares a character. */
static size_t most_alike(const char *a, char *const *b, size_t j0, size_t j1)
{
	size_t best = j0, best_score = 0, na = strlen(a);
	for (size_t j = j0; j < j1; j++) {
		if (strcmp(a, b[j]) == 0)
			continue;
		size_t nb = strlen(b[j]), pre = 0, suf = 0;
		while (a[pre] && a[pre] == b[j][pre])
			pre++;
		while (suf < na - pre && suf < nb - pre && a[na - 1 - suf] == b[j][nb - 1 - suf])
			suf++;
		/* leading blanks are indentation, alike in every line */
		size_t lead = 0;
		while (lead < pre && (a[lead] == ' ' || a[lead] == '\t'))
			lead++;
		if (pre - lead + suf > best_score)
			best_score = pre - lead + suf, best = j;
	}
	return best;
}

/* A numba kernel's variant v: its argument types, from its symbol, each argument a change
 * ("argument 1": array(float32, 1d, C)). */
static void numba_types_variant(struct kca_changes *c, const struct kca_family *f, unsigned v,
				unsigned nvar)
{
	char types[16][64];
	const char *symbol = f->variants[v].symbol;
	int n = symbol ? kca_numba_arg_types(symbol, types, 16) : -1;
	for (int i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof(name), KCA_NUMBA_ARGUMENT "%d", i + 1);
		change_set(change_get(c, KCA_CHANGE_TYPE, name, NULL, nvar), v, types[i]);
	}
}

/* A template's instance built at run time, variant v: each template argument a change
 * ("template argument 1": 100, 137; float, double). */
static void template_args_variant(struct kca_changes *c, const struct kca_family *f, unsigned v,
				  unsigned nvar)
{
	char args[16][64];
	const char *symbol = f->variants[v].symbol;
	int n = symbol ? kca_template_args(symbol, args, 16) : 0;
	for (int i = 0; i < n; i++) {
		char name[40];
		snprintf(name, sizeof(name), KCA_TEMPLATE_ARGUMENT "%d", i + 1);
		change_set(change_get(c, KCA_CHANGE_CONSTANT, name, NULL, nvar), v, args[i]);
	}
}

/* Variant v's NVRTC source against the first variant's (*first: the first text, kept, and
 * *first_v its variant): the first line of each of its first three hunks that replace lines
 * (a line diff: lines only added, such as a type's definition, name no change), each paired
 * with the line most like it, by the first text's numbers, as source changes. Programs generated
 * per call (CuPy, PyTorch's jiterator, a server's own code generator) differ in their text, not
 * their options. */
static void source_variant(struct kca_model *m, struct kca_changes *c, const struct kca_family *f,
			   unsigned v, unsigned nvar, char **first, unsigned *first_v)
{
	int ir = 0;
	char *text = nvrtc_source(m, f, v, &ir);
	if (!text)
		return;
	if (!*first) {
		*first = text;
		*first_v = v;
		return;
	}
	char *a_text = kca_xstrdup(*first);
	struct text_lines t[2];
	t[0].line = kca_cut_lines(a_text, &t[0].n);
	t[1].line = kca_cut_lines(text, &t[1].n);
	size_t n = t[0].n, mm = t[1].n;
	uint16_t *lcs = kca_lcs_table(n, mm, text_lines_alike, t);
	struct kca_diff_walk w = {lcs, n, mm, 0, 0, text_lines_alike, t};
	size_t i0 = 0, j0 = 0; /* where the hunk walked began */
	int shown = 0, in_hunk = 0;
	unsigned rows = 0; /* source lines in the table so far: past the limit, only those */
	for (unsigned k = 0; k < c->nchanges; k++)
		rows += c->changes[k].kind == KCA_CHANGE_SOURCE;
	while (lcs && shown < 3) {
		size_t i = w.i, j = w.j;
		enum kca_diff_step step = kca_diff_next(&w);
		if (step == KCA_DIFF_OUT || step == KCA_DIFF_IN) {
			if (!in_hunk)
				i0 = i, j0 = j, in_hunk = 1;
			continue;
		}
		/* a hunk ends at (i, j): lines replaced, not only added or taken out */
		if (in_hunk && i > i0 && j > j0) {
			char name[64], va[160], vb[160];
			snprintf(name, sizeof(name), "%s line %zu", ir ? "IR" : "source", i0 + 1);
			int known = change_find(c, KCA_CHANGE_SOURCE, name) != NULL;
			if (known || rows < KCA_MAX_PTX_LINES) {
				rows += !known;
				snprintf(va, sizeof(va), "%.150s", t[0].line[i0]);
				/* the line most like it, in the hunk or in lines added
				 * just after it (the diff may pair a type's line with an
				 * #include put before the new type's) */
				size_t j1 = j + 4 < mm ? j + 4 : mm;
				snprintf(vb, sizeof(vb), "%.150s",
					 t[1].line[most_alike(t[0].line[i0], t[1].line, j0, j1)]);
				struct kca_change *ch =
				    change_get(c, KCA_CHANGE_SOURCE, name, NULL, nvar);
				change_set(ch, *first_v, va);
				change_set(ch, v, vb);
				shown++;
			}
		}
		in_hunk = 0;
		if (step == KCA_DIFF_END)
			break;
	}
	free(lcs);
	free(t[0].line);
	free(t[1].line);
	free(a_text);
	free(text);
}

/* An Inductor kernel's body that grew or shrank with a value named beside it (a size, a
 * stride, a number, an argument of 1: a row index there or not) is no change of its own:
 * dropped, its inputs kept (a list's length reads in them), and where they differ, the
 * constants only some builds have (the code of one more input). */
static void drop_explained_code(struct kca_changes *c)
{
	int explained = 0, inputs = 0;
	for (unsigned i = 0; i < c->nchanges; i++) {
		const struct kca_change *ch = &c->changes[i];
		inputs |= ch->kind == KCA_CHANGE_CODE && strcmp(ch->name, KCA_CODE_INPUTS) == 0;
		explained |= (ch->kind == KCA_CHANGE_CONSTANT && !kca_inductor_block(ch->name)) ||
			     ch->kind == KCA_CHANGE_EQUALS_ONE ||
			     ch->kind == KCA_CHANGE_DIVISIBILITY || ch->kind == KCA_CHANGE_TYPE;
	}
	explained |= inputs;
	unsigned char *drop = kca_xcalloc(c->nchanges + 1, 1);
	for (unsigned i = 0; i < c->nchanges; i++) {
		const struct kca_change *ch = &c->changes[i];
		drop[i] = explained && ch->kind == KCA_CHANGE_CODE &&
			  strcmp(ch->name, KCA_CODE_LINES) == 0;
		/* where the inputs differ, a constant or an argument's specialisation only there
		 * or not is the other code's (in_ptr3 % 16 == 0 where there is an in_ptr3) */
		drop[i] |= inputs && ch->kind != KCA_CHANGE_CODE && ch->kind != KCA_CHANGE_CONFIG &&
			   !ch->is_param && kca_change_distinct(ch) == 1;
	}
	drop_marked(c, drop);
	free(drop);
}

/* A numba kernel's IR lines that differ where its argument types do: the types' own. */
static void drop_lines_of_types(struct kca_changes *c)
{
	int types = 0;
	for (unsigned i = 0; i < c->nchanges; i++)
		types |= c->changes[i].kind == KCA_CHANGE_TYPE &&
			 strncmp(c->changes[i].name, KCA_NUMBA_ARGUMENT,
				 strlen(KCA_NUMBA_ARGUMENT)) == 0 &&
			 kca_change_distinct(&c->changes[i]) >= 2;
	if (!types)
		return;
	unsigned char *drop = kca_xcalloc(c->nchanges + 1, 1);
	for (unsigned i = 0; i < c->nchanges; i++)
		drop[i] = c->changes[i].kind == KCA_CHANGE_SOURCE;
	drop_marked(c, drop);
	free(drop);
}

/* For PTX and source the values are whole lines: reduce them to the tokens that differ. */
static void ptx_tokens(struct kca_changes *c)
{
	for (unsigned i = 0; i < c->nchanges; i++) {
		struct kca_change *ch = &c->changes[i];
		unsigned r = 0; /* the variant every other is compared with: the first with PTX */
		while (r < ch->nvalues && !ch->values[r])
			r++;
		if ((ch->kind != KCA_CHANGE_PTX && ch->kind != KCA_CHANGE_SOURCE) ||
		    r == ch->nvalues)
			continue;
		char *orig = ch->values[r];
		/* indentation is no change (a generator's lines, indented or not) */
		const char *oa = orig + strspn(orig, " \t");
		size_t first_pre = 0, first_end = strlen(oa);
		int first_set = 0;
		for (unsigned v = r + 1; v < ch->nvalues; v++) {
			if (!ch->values[v])
				continue;
			const char *a = oa, *b = ch->values[v] + strspn(ch->values[v], " \t");
			size_t pre = 0;
			while (a[pre] && a[pre] == b[pre])
				pre++;
			while (pre && (isalnum((unsigned char)a[pre - 1]) || a[pre - 1] == '-'))
				pre--;
			size_t ea = strlen(a), eb = strlen(b);
			while (ea > pre && eb > pre && a[ea - 1] == b[eb - 1])
				ea--, eb--;
			while (b[eb] && (isalnum((unsigned char)b[eb]) || b[eb] == '-'))
				eb++;
			while (a[ea] && (isalnum((unsigned char)a[ea]) || a[ea] == '-'))
				ea++;
			if (!ch->where[0]) {
				const char *s0 = a;
				while (*s0 == ' ' || *s0 == '\t')
					s0++;
				snprintf(ch->where, sizeof(ch->where), "%s", s0);
			}
			char *nb = kca_xmalloc(eb - pre + 1);
			memcpy(nb, b + pre, eb - pre);
			nb[eb - pre] = '\0';
			free(ch->values[v]);
			ch->values[v] = nb;
			if (!first_set) {
				first_pre = pre;
				first_end = ea;
				first_set = 1;
			}
		}
		char *na = kca_xmalloc(first_end - first_pre + 1);
		memcpy(na, oa + first_pre, first_end - first_pre);
		na[first_end - first_pre] = '\0';
		ch->values[r] = na;
		free(orig);
	}
}

static int change_rank(const struct kca_change *c)
{
	return c->is_param ? 0 : kca_change_names_build(c) ? 2 : 1;
}

void kca_changes_compute(struct kca_model *m, const struct kca_family *f, struct kca_changes *out)
{
	memset(out, 0, sizeof(*out));
	unsigned nvar = f->nvariants;
	char constexprs[16][64];
	int nconst = 0;
	int any_triton = 0, args = have_triton_args(m, f);
	unsigned nchain;
	struct chained *chain = family_chained(m, f, &nchain);
	struct ptx_compare pc = {NULL, NULL, 0, 0, 0, 0, 0, 0};
	char *first_source = NULL; /* the first NVRTC source text, and its variant */
	unsigned first_source_v = 0;
	char **params = kca_xcalloc(nvar + 1, sizeof(*params)); /* each variant's def's */
	for (unsigned v = 0; v < nvar; v++) {
		const struct kca_variant *var = &f->variants[v];
		if (args)
			triton_args_variant(m, out, f, v, nvar);
		if (var->triton_dir) {
			triton_variant(m, out, f, v, nvar, constexprs, &nconst, !args, &params[v]);
			any_triton = !args;
		} else if (var->compile >= 0) {
			options_variant(m, out, f, v, nvar, chain, nchain);
			source_variant(m, out, f, v, nvar, &first_source, &first_source_v);
			numba_types_variant(out, f, v, nvar);
			if (f->front_end != KCA_FE_NUMBA)
				template_args_variant(out, f, v, nvar);
		} else {
			child_defines_variant(m, out, f, v, nvar);
		}
		if ((var->kind == KC_IMAGE_PTX || var->kind == KC_IMAGE_FATBIN ||
		     (var->kind == KC_IMAGE_CUBIN && !var->triton_dir && !args)) &&
		    var->compile < 0)
			ptx_variant(m, out, f, v, nvar, &pc);
	}
	out->same_ptx = nvar >= 2 && pc.same == nvar;
	out->same_code = nvar >= 2 && pc.same_sass == nvar;
	out->same_entry = nvar >= 2 && pc.same_entry == nvar;
	free(pc.first_text);
	free(pc.first_entry);
	free(first_source);
	free(chain);
	if (any_triton)
		fix_equals_one(out, params);
	for (unsigned v = 0; v < nvar; v++)
		free(params[v]);
	free(params);
	squeeze_parts(out);
	drop_equals_one_constants(out);
	keep_differing(out);
	drop_library_constants(out);
	drop_explained_code(out);
	drop_lines_of_types(out);
	ptx_tokens(out);
	/* Named parameters first, then the rest in the order found, the build's names last. */
	for (unsigned i = 1; i < out->nchanges; i++)
		for (unsigned j = i;
		     j > 0 && change_rank(&out->changes[j]) < change_rank(&out->changes[j - 1]);
		     j--) {
			struct kca_change t = out->changes[j];
			out->changes[j] = out->changes[j - 1];
			out->changes[j - 1] = t;
		}
}

int kca_change_template_argument(const struct kca_change *c)
{
	return c->kind == KCA_CHANGE_CONSTANT &&
	       strncmp(c->name, KCA_TEMPLATE_ARGUMENT, strlen(KCA_TEMPLATE_ARGUMENT)) == 0;
}

int kca_change_template_types(const struct kca_changes *ch)
{
	for (unsigned i = 0; i < ch->nchanges; i++)
		if (!kca_change_template_argument(&ch->changes[i]) ||
		    !kca_change_names_types(&ch->changes[i]))
			return 0;
	return ch->nchanges > 0;
}

int kca_change_numba_types(const struct kca_changes *ch)
{
	int types = 0;
	for (unsigned i = 0; i < ch->nchanges; i++) {
		const struct kca_change *c = &ch->changes[i];
		int arg = c->kind == KCA_CHANGE_TYPE &&
			  strncmp(c->name, KCA_NUMBA_ARGUMENT, strlen(KCA_NUMBA_ARGUMENT)) == 0;
		/* the IR differs with the types, line by line: those lines are theirs */
		if (!arg && c->kind != KCA_CHANGE_SOURCE)
			return 0;
		types |= arg;
	}
	return types;
}

unsigned kca_change_distinct(const struct kca_change *c)
{
	unsigned distinct = 0;
	for (unsigned v = 0; v < c->nvalues; v++) {
		int seen = !c->values[v];
		for (unsigned u = 0; u < v && !seen; u++)
			seen = c->values[u] && strcmp(c->values[u], c->values[v]) == 0;
		distinct += !seen;
	}
	return distinct;
}

/* Whether every value c has is one of words (after skip: a prefix it may carry), two or more. */
static int values_among(const struct kca_change *c, const char *const *words, size_t nwords,
			const char *(*skip)(const char *))
{
	unsigned n = 0;
	for (unsigned v = 0; v < c->nvalues; v++) {
		if (!c->values[v])
			continue;
		const char *x = skip(c->values[v]);
		int known = 0;
		for (size_t t = 0; t < nwords && !known; t++)
			known = strcmp(x, words[t]) == 0;
		if (!known)
			return 0;
		n++;
	}
	return n >= 2;
}

/* c10::complex<float> as complex<float> */
static const char *skip_c10_complex(const char *x)
{
	return strncmp(x, "c10::", 5) == 0 && strstr(x, "complex") ? x + 5 : x;
}

/* a pointer's type (*fp16) as its element's */
static const char *skip_pointer(const char *x)
{
	return x + (x[0] == '*');
}

static const char *const type_names[] = {
    "float", "double", "half", "__half", "__nv_bfloat16", "at::Half", "at::BFloat16", "c10::Half",
    "c10::BFloat16", "bool", "int", "long", "int8_t", "int16_t", "int32_t", "int64_t", "uint8_t",
    "uint16_t", "uint32_t", "uint64_t", "complex<float>", "complex<double>",
    /* CuPy's names */
    "float16", "bfloat16", "signed char", "unsigned char", "short", "unsigned short",
    "unsigned int", "long long", "unsigned long long"};

/* x with each type name in it (type_names, the longest at a place, a whole word) as "T", into
 * out: "float &in0, float &in1" and "double &in0, double &in1" read alike. */
static void types_out(const char *x, char *out, size_t cap)
{
	size_t n = 0;
	for (const char *p = x; *p && n + 2 < cap;) {
		size_t best = 0;
		int word_start = p == x || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
		for (size_t t = 0; word_start && t < sizeof(type_names) / sizeof(type_names[0]);
		     t++) {
			size_t len = strlen(type_names[t]);
			if (len > best && strncmp(p, type_names[t], len) == 0 &&
			    !(isalnum((unsigned char)p[len]) || p[len] == '_'))
				best = len;
		}
		if (best) {
			out[n++] = 'T';
			p += best;
		} else {
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
}

int kca_change_names_types(const struct kca_change *c)
{
	if (values_among(c, type_names, sizeof(type_names) / sizeof(type_names[0]),
			 skip_c10_complex))
		return 1;
	/* a line naming its type several times (cupy.fuse's "float &in0, float &in1, float"):
	 * two or more values, alike but for their types */
	if (c->kind != KCA_CHANGE_SOURCE || c->nvalues < 2)
		return 0;
	char first[1024], other[1024];
	unsigned n = 0;
	for (unsigned v = 0; v < c->nvalues; v++) {
		if (!c->values[v])
			continue;
		types_out(c->values[v], n ? other : first, sizeof(first));
		if (n++ && strcmp(first, other) != 0)
			return 0;
	}
	return n >= 2 && strchr(first, 'T') != NULL;
}

int kca_change_triton_dtypes(const struct kca_change *c)
{
	static const char *const types[] = {
	    "fp8e4nv", "fp8e4b15", "fp8e4b8", "fp8e5",	"fp8e5b16", "fp16",  "bf16",
	    "fp32",    "fp64",	   "int1",    "int8",	"int16",    "int32", "int64",
	    "uint8",   "uint16",   "uint32",  "uint64", "i1",	    "i8",    "i16",
	    "i32",     "i64",	   "u1",      "u8",	"u16",	    "u32",   "u64"};
	if (c->kind != KCA_CHANGE_TYPE && !(c->kind == KCA_CHANGE_CONSTANT && c->is_param))
		return 0;
	return values_among(c, types, sizeof(types) / sizeof(types[0]), skip_pointer);
}

const struct kca_change *kca_inductor_size(const struct kca_changes *ch)
{
	const struct kca_change *first = NULL;
	for (unsigned i = 0; i < ch->nchanges; i++) {
		const struct kca_change *c = &ch->changes[i];
		if (c->kind != KCA_CHANGE_CONSTANT || kca_inductor_block(c->name))
			continue;
		int mask = 1; /* true, false: a mask made constant (xmask where xnumel is 1) */
		for (unsigned v = 0; v < c->nvalues; v++)
			mask &= !c->values[v] || strcmp(c->values[v], "true") == 0 ||
				strcmp(c->values[v], "false") == 0;
		if (mask)
			continue;
		if (kca_change_distinct(c) >= 2) /* one that takes values, before one that is */
			return c; /* only there or not (a row length, once strided) */
		int symbolic = kca_change_symbolic(c);
		if (kca_inductor_stride(c->name) && !symbolic)
			continue; /* a stride there or not: the shape changed (one row), not it */
		if (!first || (symbolic && !kca_inductor_stride(first->name)))
			first = c; /* of those, a stride taken as an argument first */
	}
	return first;
}

int kca_set_by_heuristics(const struct kca_changes *ch, const char *name)
{
	char key[136];
	if (!ch->heuristics[0])
		return 0;
	snprintf(key, sizeof(key), "\"%s\"", name);
	if (strstr(ch->heuristics, key))
		return 1;
	snprintf(key, sizeof(key), "'%s'", name);
	return strstr(ch->heuristics, key) != NULL;
}

const struct kca_change *kca_inductor_code(const struct kca_changes *ch, const char *name)
{
	for (unsigned i = 0; i < ch->nchanges; i++)
		if (ch->changes[i].kind == KCA_CHANGE_CODE &&
		    strcmp(ch->changes[i].name, name) == 0)
			return &ch->changes[i];
	return NULL;
}

int kca_change_symbolic(const struct kca_change *c)
{
	for (unsigned v = 0; v < c->nvalues; v++)
		if (c->values[v] && strncmp(c->values[v], "ks", 2) == 0 &&
		    isdigit((unsigned char)c->values[v][2]))
			return 1;
	return 0;
}

int kca_inductor_stride(const char *name)
{
	return strstr(name, " stride (") != NULL;
}

/* A block size of one of Inductor's templates (select_algorithm: mm, bmm, addmm, ...). */
int kca_template_block(const char *name)
{
	return strncmp(name, "BLOCK_", 6) == 0 || strcmp(name, "GROUP_M") == 0;
}

/* Inductor's block sizes: configs its autotuning tries, not sizes of the input. A pointwise
 * or reduction kernel's (XBLOCK, YBLOCK, RBLOCK, R0_BLOCK), or a matmul template's that
 * max-autotune benchmarks (BLOCK_M, BLOCK_N, BLOCK_K, GROUP_M). */
int kca_inductor_block(const char *name)
{
	size_t n = strlen(name);
	return (n >= 6 && n <= 8 && strcmp(name + n - 5, "BLOCK") == 0) || kca_template_block(name);
}

const struct kca_changes *kca_family_changes(struct kca_model *m, const struct kca_family *f)
{
	struct kca_family *mf = &m->families[f - m->families];
	if (!mf->changes) {
		mf->changes = kca_xmalloc(sizeof(*mf->changes));
		kca_changes_compute(m, mf, mf->changes);
	}
	return mf->changes;
}

void kca_changes_free(struct kca_changes *c)
{
	for (unsigned i = 0; i < c->nchanges; i++) {
		for (unsigned v = 0; v < c->changes[i].nvalues; v++)
			free(c->changes[i].values[v]);
		free(c->changes[i].values);
	}
	free(c->changes);
	memset(c, 0, sizeof(*c));
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

/* A value and where it was first seen, for the summary's distinct values. */
struct seen_value {
	const char *s;
	unsigned first;
};

static int cmp_seen_text(const void *a, const void *b)
{
	const struct seen_value *x = a, *y = b;
	int c = strcmp(x->s, y->s);
	return c ? c : (x->first > y->first) - (x->first < y->first);
}

static int cmp_seen_first(const void *a, const void *b)
{
	const struct seen_value *x = a, *y = b;
	return (x->first > y->first) - (x->first < y->first);
}

void kca_values_summary(const struct kca_change *c, char *buf, size_t cap)
{
	/* distinct values, in first-seen order (sorted to find them: a family may have
	 * thousands of variants) */
	struct seen_value *seen = kca_xmalloc((c->nvalues ? c->nvalues : 1) * sizeof(*seen));
	unsigned nseen = 0, nd = 0;
	int all_int = 1;
	for (unsigned v = 0; v < c->nvalues; v++) {
		const char *x = c->values[v];
		if (!x)
			continue;
		seen[nseen++] = (struct seen_value){x, v};
		char *end;
		errno = 0;
		strtoll(x, &end, 10);
		all_int &= *x && !*end && !errno;
	}
	qsort(seen, nseen, sizeof(*seen), cmp_seen_text);
	for (unsigned i = 0; i < nseen; i++)
		if (nd == 0 || strcmp(seen[nd - 1].s, seen[i].s) != 0)
			seen[nd++] = seen[i];
	qsort(seen, nd, sizeof(*seen), cmp_seen_first);
	buf[0] = '\0';
	size_t n = 0;
	if (all_int && nd >= 3) {
		long long *vals = kca_xmalloc(nd * sizeof(long long));
		for (unsigned i = 0; i < nd; i++)
			vals[i] = strtoll(seen[i].s, NULL, 10);
		qsort(vals, nd, sizeof(long long), cmp_ll);
		int consecutive = 1;
		for (unsigned i = 1; i < nd; i++)
			consecutive &= vals[i] == vals[i - 1] + 1;
		if (consecutive || nd > 6) {
			n = (size_t)snprintf(buf, cap, "%u values, %lld..%lld%s", nd, vals[0],
					     vals[nd - 1], consecutive ? "" : " (not consecutive)");
		} else { /* a few apart (block sizes, warp counts): each one, in order */
			for (unsigned i = 0; i < nd && n < cap; i++) {
				int w =
				    snprintf(buf + n, cap - n, "%s%lld", i ? ", " : "", vals[i]);
				if (w < 0)
					break;
				n += (size_t)w;
			}
		}
		free(vals);
		free(seen);
		return;
	}
	for (unsigned i = 0; i < nd && n < cap; i++) {
		int w = snprintf(buf + n, cap - n, "%s%s", i ? ", " : "", seen[i].s);
		if (w < 0)
			break;
		n += (size_t)w;
		if (i == 7 && nd > 8) {
			snprintf(buf + n, n < cap ? cap - n : 0, ", ... (%u values)", nd);
			break;
		}
	}
	free(seen);
}
