/* cmd_diff.c - kcprof diff: two variants of one kernel side by side: where they came from,
 * their options, launch shapes, and a line diff of their source or IR (Triton TTIR, NVRTC or
 * driver PTX). */
#include <ctype.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../common/kc_fs.h"
#include "../common/kc_hash.h"
#include "changes.h"
#include "kca.h"
#include "linediff.h"
#include "model.h"
#include "report.h"

static const char usage[] =
    "usage: kcprof diff DIR KERNEL [A B]\n"
    "\n"
    "Shows variants A and B (1-based, in order of first load; default 1 and 2) of KERNEL in\n"
    "the traces of DIR: hashes, sizes, loads and launches, compile options, the line each\n"
    "was called from and Triton's arguments of its build (in a Python process), launch shapes,\n"
    "the arguments in which the two builds' compile options or compiler command lines differ\n"
    "(NVRTC's -DMAX_LEN=500 against 501; nvcc's, with the paths named after each build),\n"
    "then a line diff of the text both were built from: Triton's TTIR (from the Triton cache\n"
    "carried in DIR/triton-cache, else the cache directory the recorded process used), numba's\n"
    "NVVM IR, NVRTC's or the driver's PTX, or the PTX a fatbin carries (from DIR/images,\n"
    "decompressed where nvcc compressed it); lines alike but for the files, modules and\n"
    "location numbers (#loc23) or numba dispatchers (B2v7) they name are counted, not shown.\n"
    "'kcprof report' names the kernels worth a\n"
    "diff. KERNEL is its symbol, or a C++ kernel's name as the report heads it where no\n"
    "other kernel has it.\n"
    "\n"
    "  -h, --help   this text\n"
    "\n"
    "Exit status: 0; 1 when no trace could be read, KERNEL is not in it, it has one variant\n"
    "or A or B is not one of its variants; 2 usage.\n"
    "\n"
    "Examples:\n"
    "  kcprof diff kcprof.data fill_mask\n"
    "  kcprof diff kcprof.data fill_mask 1 20\n";

/* ---- a line diff (LCS), enough for IR files ----------------------------------------------- */

struct lines {
	char *text;
	const char **line;
	uint64_t *key; /* per line: a hash of what same_line compares */
	size_t n;
};

static uint64_t line_key(const char *line);

static void split(struct lines *l, char *text)
{
	l->text = text;
	l->line = (const char **)kca_cut_lines(text, &l->n);
	l->key = kca_xmalloc((l->n + 1) * sizeof(uint64_t));
	for (size_t i = 0; i < l->n; i++)
		l->key[i] = line_key(l->line[i]);
}

/* The quoted path after a loc(" at p (with a '/': a file, not a name such as loc("in_ptr0")):
 * its closing quote, or NULL. */
static const char *loc_path_end(const char *p)
{
	if (strncmp(p, "loc(\"", 5) != 0)
		return NULL;
	const char *e = strchr(p + 5, '"');
	return e && memchr(p + 5, '/', (size_t)(e - p - 5)) ? e : NULL;
}

/* Where a span that names the variant's own files ends, if one starts at p: a loc("...")
 * path, the name torch.compile gives the module of a variant's kernel, which Triton IR
 * repeats in each call of a helper (compile_tasks.c<hash>.forward_inner), or a location's
 * number (#loc23: one op more renumbers every location after it): past it. */
static const char *own_name_end(const char *p)
{
	const char *e = loc_path_end(p);
	if (e)
		return e + 1;
	if (strncmp(p, "#loc", 4) == 0 && isdigit((unsigned char)p[4])) {
		for (e = p + 4; isdigit((unsigned char)*e);)
			e++;
		return e;
	}
	/* numba's NVVM IR: a dispatcher's uid in a mangled name (B2v17), the ModuleID comment
	 * numbering them too */
	if (p[0] == 'B' && isdigit((unsigned char)p[1])) {
		char *end;
		unsigned long len = strtoul(p + 1, &end, 10);
		if (*end == 'v' && len >= 2 && len < 12 && strspn(end + 1, "0123456789") >= len - 1)
			return end + len;
	}
	if (strncmp(p, "; ModuleID", 10) == 0)
		return p + strlen(p);
	static const char tasks[] = "compile_tasks.c";
	if (strncmp(p, tasks, sizeof(tasks) - 1) != 0)
		return NULL;
	e = p + sizeof(tasks) - 1;
	while (isalnum((unsigned char)*e))
		e++;
	return *e == '.' ? e : NULL;
}

/* FNV-1a of the line with those spans left out: lines alike have the same key, so the diff
 * compares keys and reads two lines only where their keys agree. */
static uint64_t line_key(const char *line)
{
	uint64_t h = 1469598103934665603ull;
	for (const char *p = line; *p;) {
		const char *e = own_name_end(p);
		if (e) {
			p = e;
			continue;
		}
		h = (h ^ (unsigned char)*p++) * 1099511628211ull;
	}
	return h;
}

/* Lines alike but for the files their loc("...") name and the modules their calls name:
 * Triton IR names the source it came from, and torch.compile writes each variant's kernel
 * to a file (a module) of its own. */
static int same_line(const char *a, const char *b)
{
	while (*a && *b) {
		const char *ea = own_name_end(a), *eb = own_name_end(b);
		if (ea || eb) {
			if (!ea || !eb)
				return 0;
			a = ea;
			b = eb;
			continue;
		}
		if (*a++ != *b++)
			return 0;
	}
	return strcmp(a, b) == 0;
}

struct line_pair {
	const struct lines *a, *b;
};

static int lines_alike(size_t i, size_t j, const void *ctx)
{
	const struct line_pair *p = ctx;
	return p->a->key[i] == p->b->key[j] && same_line(p->a->line[i], p->b->line[j]);
}

static void print_diff(const struct lines *a, const struct lines *b)
{
	size_t n = a->n, m = b->n;
	struct line_pair pair = {a, b};
	uint16_t *lcs = kca_lcs_table(n, m, lines_alike, &pair);
	if (!lcs) {
		printf("(%zu and %zu lines: too long to diff here)\n", n, m);
		return;
	}
	struct kca_diff_walk w = {lcs, n, m, 0, 0, lines_alike, &pair};
	unsigned hunks = 0, paths_only = 0;
	int in_hunk = 0;
	for (;;) {
		size_t i = w.i, j = w.j;
		enum kca_diff_step step = kca_diff_next(&w);
		if (step == KCA_DIFF_END || step == KCA_DIFF_ALIKE) {
			if (in_hunk && ++hunks >= 50) { /* the hunk ends here */
				printf("(more differences not shown)\n");
				break;
			}
			in_hunk = 0;
			if (step == KCA_DIFF_END)
				break;
			paths_only += strcmp(a->line[i], b->line[j]) != 0;
			continue;
		}
		if (!in_hunk) {
			printf("@@ line %zu / %zu @@\n", i + 1, j + 1);
			if (i > 0)
				printf(" %s\n", a->line[i - 1]);
			in_hunk = 1;
		}
		if (step == KCA_DIFF_OUT)
			printf("-%s\n", a->line[i]);
		else
			printf("+%s\n", b->line[j]);
	}
	if (!hunks)
		printf("(identical text)\n");
	if (paths_only)
		printf("(%u line%s alike but for the files, modules, location numbers or "
		       "dispatchers named: not "
		       "shown)\n",
		       paths_only, paths_only == 1 ? "" : "s");
	free(lcs);
}

/* An option as text, or "<N bytes, not text>" where it is not (cuDNN hands NVRTC options
 * that are bytes, not words): control bytes or invalid UTF-8 would garble the terminal. */
static const char *option_text(const char *o, char *buf, size_t cap)
{
	const unsigned char *p = (const unsigned char *)o;
	while (*p) {
		unsigned n = *p < 0x80		   ? 0
			     : (*p & 0xe0) == 0xc0 ? 1
			     : (*p & 0xf0) == 0xe0 ? 2
			     : (*p & 0xf8) == 0xf0 ? 3
						   : 4;
		if (n == 4 || *p < 0x20 || *p == 0x7f)
			break;
		unsigned k = 1;
		while (k <= n && (p[k] & 0xc0) == 0x80)
			k++;
		if (k <= n)
			break;
		p += n + 1;
	}
	if (!*p)
		return o;
	snprintf(buf, cap, "<%zu bytes, not text>", strlen(o));
	return buf;
}

/* The text variant v was built from, and what it is. */
static char *variant_text(struct kca_model *m, const struct kca_family *f, unsigned v, char *what,
			  size_t cap)
{
	const struct kca_variant *var = &f->variants[v];
	char path[4200];
	if (var->triton_dir) {
		kca_triton_entry_file(f, v, "source", path, sizeof(path));
		char *t = kca_read_file(path, NULL);
		if (!t) {
			kca_triton_entry_file(f, v, "ttir", path, sizeof(path));
			t = kca_read_file(path, NULL);
		}
		if (t) {
			snprintf(what, cap, "Triton IR %s", path);
			return t;
		}
	}
	const struct kca_load *l = &m->loads[var->first_load];
	for (unsigned i = 0; var->compile >= 0 && i < f->ncompiles; i++) {
		/* numba's: the NVVM IR its build began with */
		const struct kca_compile *c = &m->compiles[f->compiles[i]];
		if (c->tool == KC_TOOL_NVVM && c->root == var->compile && c->input_hash &&
		    kca_image_kind_path(m->procs[l->proc].dir, c->input_hash, KC_IMAGE_NVVM_IR,
					path, sizeof(path)) == 0) {
			snprintf(what, cap, "NVVM IR %s", path);
			return kca_read_file(path, NULL);
		}
	}
	uint64_t ptx = var->kind == KC_IMAGE_PTX ? var->hash : 0;
	if (var->compile >= 0 && !ptx)
		ptx = m->compiles[var->compile].ptx_hash;
	for (unsigned i = 0; var->compile >= 0 && !ptx && i < f->ncompiles; i++) {
		/* a link's input: the PTX an NVRTC compile made for it */
		const struct kca_compile *c = &m->compiles[f->compiles[i]];
		if (c->via >= 0 && c->root == var->compile)
			ptx = c->ptx_hash ? c->ptx_hash : c->output_hash;
	}
	/* text only: a compile's output may be a cubin (NVRTC for a real arch) */
	if (ptx && kca_image_kind_path(m->procs[l->proc].dir, ptx, KC_IMAGE_PTX, path,
				       sizeof(path)) == 0) {
		snprintf(what, cap, "PTX %s", path);
		return kca_read_file(path, NULL);
	}
	/* a cubin a ptxas child built: the PTX it was given (XLA's) */
	if (var->kind == KC_IMAGE_CUBIN && kca_child_input_ptx(m, f, v, path, sizeof(path)) == 0) {
		snprintf(what, cap, "the PTX ptxas was given, %s", path);
		return kca_read_file(path, NULL);
	}
	/* a fatbin (nvcc's, the CUDA runtime's): the PTX it carries */
	unsigned sm;
	char *text =
	    var->kind == KC_IMAGE_FATBIN &&
		    kca_image_path(m->procs[l->proc].dir, var->hash, path, sizeof(path)) == 0
		? kca_fatbin_ptx(path, &sm)
		: NULL;
	if (text)
		snprintf(what, cap, "the sm_%u PTX in %s", sm, path);
	return text;
}

/* Why variant v has no text to compare: its image not stored (recorded with --no-images, or
 * the directory copied without images/), or one with machine code alone. */
static void say_why_no_text(struct kca_model *m, const struct kca_family *f, unsigned v, char tag)
{
	const struct kca_variant *var = &f->variants[v];
	const struct kca_load *l = &m->loads[var->first_load];
	char path[4200];
	if (kca_image_path(m->procs[l->proc].dir, var->hash, path, sizeof(path)) != 0)
		printf("    [%c] its image is not in %s/images (recorded with --no-images, or the "
		       "directory copied without it)\n",
		       tag, m->procs[l->proc].dir);
	else if (var->kind == KC_IMAGE_CUBIN || var->kind == KC_IMAGE_FATBIN)
		printf("    [%c] %s holds machine code and no PTX: nothing to show as text%s\n",
		       tag, path,
		       f->front_end == KCA_FE_TRITON ? " (its Triton cache entry, which 'kcprof "
						       "archive' copies, would be)"
						     : "");
}

/* Whether compile d took c's output as an input: NVRTC's PTX linked. Not so a compile
 * counted for the build beside it: CuPy's probe of the options, the PTX numba keeps. */
static int output_taken(const struct kca_compile *c, const struct kca_compile *d)
{
	char hex[17];
	return d->inputs &&
	       ((c->output_hash && strstr(d->inputs, kc_hash_hex(c->output_hash, hex))) ||
		(c->ptx_hash && strstr(d->inputs, kc_hash_hex(c->ptx_hash, hex))));
}

static void describe(struct kca_model *m, const struct kca_family *f, unsigned v, char tag)
{
	const struct kca_variant *var = &f->variants[v];
	const struct kca_load *l = &m->loads[var->first_load];
	char hex[17], t1[32], t2[32], built[48] = "no build seen";
	if (var->build_ns || var->compile >= 0)
		snprintf(built, sizeof(built), "built in %s",
			 kca_fmt_ns(var->build_ns, t2, sizeof(t2)));
	printf("[%c] variant %u: %s %s, %" PRIu64 " bytes, loaded %u× (%s) by %s, %" PRIu64
	       " launch%s, %s\n",
	       tag, v + 1, kc_image_kind_name(var->kind), kc_hash_hex(var->hash, hex), l->size,
	       var->loads, kca_fmt_ns(var->load_ns, t1, sizeof(t1)), kc_api_name(l->api),
	       var->launches, var->launches == 1 ? "" : "es", built);
	char where[512], func[128], site[700], text[48];
	/* its builds: the compiles whose outputs went into the one it loaded (NVRTC's PTX into a
	 * link), then that one */
	for (unsigned i = 0; var->compile >= 0 && i <= f->ncompiles; i++) {
		int ci = i < f->ncompiles ? (int)f->compiles[i] : var->compile;
		const struct kca_compile *c = &m->compiles[ci];
		if (i < f->ncompiles && (c->via < 0 || c->root != var->compile))
			continue;
		printf("    %s %s:", kc_tool_name(c->tool), c->name);
		unsigned binary = 0;
		size_t bytes = 0;
		for (unsigned k = 0; k < c->noptions; k++) {
			binary += option_text(c->options[k], text, sizeof(text)) == text;
			bytes += strlen(c->options[k]);
		}
		if (binary && binary == c->noptions) /* cuDNN's, all of them */
			printf(" %u options that are not text (%zu bytes)", binary, bytes);
		for (unsigned k = 0; k < c->noptions && binary < c->noptions; k++)
			printf(" %s", option_text(c->options[k], text, sizeof(text)));
		printf("%s\n", i == f->ncompiles ? ""
			       : output_taken(c, &m->compiles[c->via])
				   ? " (its output linked into the next)"
				   : " (part of the build, its output not used)");
		if (kca_compile_call_site(m, c, where, sizeof(where), func, sizeof(func)) == 0)
			printf("    compiled from %s\n",
			       kca_site_text(where, func, site, sizeof(site)));
	}
	/* the CUDA compiler children that built it (nvcc -DMAX_LEN=500 ...): each run, up to 3 */
	unsigned runs = 0;
	for (unsigned i = 0; var->compile < 0 && !var->triton_dir && i < f->ncompiles; i++) {
		const struct kca_compile *c = &m->compiles[f->compiles[i]];
		if (!kca_child_built(m, c, var->hash) || runs++ >= 3)
			continue;
		printf("    built by:");
		for (unsigned k = 0; k < c->noptions; k++)
			printf(" %s", option_text(c->options[k], text, sizeof(text)));
		printf(" (%s)\n", kca_fmt_ns(c->duration_ns, t2, sizeof(t2)));
	}
	if (runs > 3)
		printf("    and %u more runs of the same build\n", runs - 3);
	if (var->triton_dir)
		printf("    Triton cache: %s\n", var->triton_dir);
	/* Where its load was asked for, and Triton's arguments of its build */
	if (kca_load_call_site(m, l, where, sizeof(where), func, sizeof(func)) == 0)
		printf("    called from %s\n", kca_site_text(where, func, site, sizeof(site)));
	unsigned shown = 0;
	for (unsigned i = 0; i < l->ntriton_args; i++) {
		struct kca_triton_arg ta;
		if (kca_triton_arg(l->triton_args[i], &ta) < 0 || !ta.name_len)
			continue;
		printf(shown++ ? ", " : "    Triton arguments: ");
		if (strncmp(ta.kind, "constexpr\t", 10) == 0)
			printf("%.*s=%s", ta.name_len, ta.name, ta.value); /* MAX_LEN=500 */
		else /* n i32:D; a float's flag is None: left out */
			printf("%.*s %.*s%s%s", ta.name_len, ta.name, ta.kind_len, ta.kind,
			       ta.value[0] && strcmp(ta.value, "None") ? ":" : "",
			       strcmp(ta.value, "None") ? ta.value : "");
	}
	if (shown)
		printf("\n");
	/* the variant's launch shapes over all its loads (a function a load), each once */
	struct kc_shape *shapes = NULL;
	unsigned nshapes = 0, cap = 0;
	for (unsigned i = 0; i < m->nfuncs; i++) {
		const struct kca_func *fn = &m->funcs[i];
		if (fn->module_hash != var->hash || !kca_family_named_by(f, fn->name))
			continue;
		for (unsigned s = 0; s < fn->nshapes; s++) {
			const struct kc_shape *x = &fn->shapes[s];
			unsigned k = 0;
			while (k < nshapes &&
			       (memcmp(shapes[k].grid, x->grid, sizeof(x->grid)) != 0 ||
				memcmp(shapes[k].block, x->block, sizeof(x->block)) != 0 ||
				shapes[k].smem != x->smem))
				k++;
			if (k == nshapes) {
				KCA_GROW(shapes, nshapes, cap);
				shapes[nshapes] = *x;
				shapes[nshapes++].count = 0;
			}
			shapes[k].count += x->count;
		}
	}
	for (unsigned s = 0; s < nshapes; s++)
		printf("    launch grid [%u,%u,%u] block [%u,%u,%u] smem %u: %" PRIu64 "×\n",
		       shapes[s].grid[0], shapes[s].grid[1], shapes[s].grid[2], shapes[s].block[0],
		       shapes[s].block[1], shapes[s].block[2], shapes[s].smem, shapes[s].count);
	free(shapes);
}

/* The build of variant v whose command line or options say how it was made: its in-process
 * compile (NVRTC, a link), else the first compiler child that built it; NULL if none. */
static const struct kca_compile *variant_build(const struct kca_model *m,
					       const struct kca_family *f, unsigned v)
{
	const struct kca_variant *var = &f->variants[v];
	if (var->compile >= 0)
		return &m->compiles[var->compile];
	for (unsigned i = 0; !var->triton_dir && i < f->ncompiles; i++)
		if (kca_child_built(m, &m->compiles[f->compiles[i]], var->hash))
			return &m->compiles[f->compiles[i]];
	return NULL;
}

/* The arguments of p that q does not have, printed as "[tag] only: ..." where tag is not 0:
 * how many. */
static unsigned only_in(const struct kca_compile *p, const struct kca_compile *q, char tag)
{
	unsigned n = 0;
	for (unsigned k = 0; k < p->noptions; k++) {
		unsigned j = 0;
		while (j < q->noptions && strcmp(p->options[k], q->options[j]) != 0)
			j++;
		if (j < q->noptions)
			continue;
		n++;
		char text[48];
		if (tag)
			printf("    [%c] only: %s\n", tag,
			       option_text(p->options[k], text, sizeof(text)));
	}
	return n;
}

/* The arguments in which the two variants' builds differ, each pair once: what the long
 * command lines above come down to (-DMAX_LEN=500 against 501, and the paths named after
 * the build). Position by position where both have as many, else those only one has. */
static void print_build_difference(const struct kca_model *m, const struct kca_family *f,
				   unsigned a, unsigned b)
{
	const struct kca_compile *x = variant_build(m, f, a), *y = variant_build(m, f, b);
	if (!x || !y || x->tool != y->tool ||
	    (x->tool == KC_TOOL_EXEC && strcmp(kc_base_name(x->name), kc_base_name(y->name))))
		return; /* builds of two kinds: their arguments do not line up */
	const char *what = x->tool == KC_TOOL_EXEC ? "command lines" : "options";
	if (x->noptions == y->noptions) {
		unsigned differ = 0;
		for (unsigned k = 0; k < x->noptions; k++)
			differ += strcmp(x->options[k], y->options[k]) != 0;
		if (!differ)
			return;
		printf("the builds' %s differ in %u of %u:\n", what, differ, x->noptions);
		for (unsigned k = 0; k < x->noptions; k++)
			if (strcmp(x->options[k], y->options[k]) != 0) {
				char ta[48], tb[48];
				printf("    [A] %s\n    [B] %s\n",
				       option_text(x->options[k], ta, sizeof(ta)),
				       option_text(y->options[k], tb, sizeof(tb)));
			}
		return;
	}
	if (!only_in(x, y, 0) && !only_in(y, x, 0))
		return; /* the same arguments, some of them twice */
	printf("the builds' %s differ (%u and %u of them):\n", what, x->noptions, y->noptions);
	only_in(x, y, 'A');
	only_in(y, x, 'B');
}

KCA_COMMAND(diff)
{
	static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	optind = 1;
	int opt;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
		return kca_usage(usage, opt == 'h' ? 0 : 2);
	int nargs = argc - optind;
	if (nargs != 2 && nargs != 4)
		return kca_usage(usage, 2);
	char *dir = argv[optind];
	const char *name = argv[optind + 1];
	long a = 1, b = 2;
	if (nargs == 4) { /* variant numbers: whole numbers, or a usage error */
		char *ea, *eb;
		a = strtol(argv[optind + 2], &ea, 10);
		b = strtol(argv[optind + 3], &eb, 10);
		if (ea == argv[optind + 2] || *ea || eb == argv[optind + 3] || *eb) {
			fprintf(stderr,
				"kcprof diff: variants are numbers (1, 2, ...): '%s' '%s'\n",
				argv[optind + 2], argv[optind + 3]);
			return kca_usage(usage, 2);
		}
	}
	struct kca_model m;
	if (kca_model_load(&m, &dir, 1) <= 0) {
		kca_model_free(&m);
		return 1;
	}
	kca_model_families(&m);
	const struct kca_family *f = NULL;
	for (unsigned i = 0; i < m.nfamilies; i++)
		if (strcmp(m.families[i].name, name) == 0)
			f = &m.families[i];
	/* else a C++ kernel by the name the report gives it (kern_scale, not _Z10kern_scalePffi),
	 * where that name is one kernel's */
	char want[1024]; /* each "<...>" typed for the report's "<…>" */
	size_t w = 0;
	for (const char *p = name; *p && w + 8 < sizeof(want);)
		if (strncmp(p, "<...>", 5) == 0) {
			memcpy(want + w, "<…>", strlen("<…>"));
			w += strlen("<…>");
			p += 5;
		} else {
			want[w++] = *p++;
		}
	want[w] = '\0';
	unsigned *match = NULL, nmatch = 0, cap = 0; /* demangled once each */
	for (unsigned i = 0; !f && i < m.nfamilies; i++) {
		char shown[1024];
		kca_kernel_display_name(m.families[i].name, shown, sizeof(shown));
		if (strcmp(shown, want) == 0 && strcmp(shown, m.families[i].name) != 0) {
			KCA_GROW(match, nmatch, cap);
			match[nmatch++] = i;
		}
	}
	if (nmatch == 1)
		f = &m.families[match[0]];
	if (nmatch > 1) { /* several: their symbols, to choose from */
		for (unsigned k = 0; k < nmatch && k < 20; k++)
			fprintf(stderr, "  %s\n", m.families[match[k]].name);
		fprintf(stderr,
			"kcprof diff: %u kernels in %s are named %s (%s above): give one's "
			"symbol, as the report's 'symbol' line has it\n",
			nmatch, dir, name, nmatch > 20 ? "20 of them" : "their symbols");
		free(match);
		kca_model_free(&m);
		return 1;
	}
	free(match);
	int rc = 1;
	if (!f) {
		fprintf(stderr, "kcprof diff: no kernel named %s in %s\n", name, dir);
		goto out;
	}
	if (f->nvariants == 1) {
		fprintf(stderr, "kcprof diff: %s has one image (1 variant): nothing to compare\n",
			name);
		goto out;
	}
	if (a < 1 || b < 1 || (unsigned long)a > f->nvariants || (unsigned long)b > f->nvariants ||
	    a == b) {
		fprintf(stderr,
			"kcprof diff: %s has %u variant%s; pick two different ones in 1..%u\n",
			name, f->nvariants, f->nvariants == 1 ? "" : "s", f->nvariants);
		goto out;
	}
	printf("kcprof diff: %s, variants %ld and %ld of %u (%s)\n", name, a, b, f->nvariants, dir);
	describe(&m, f, (unsigned)a - 1, 'A');
	describe(&m, f, (unsigned)b - 1, 'B');
	print_build_difference(&m, f, (unsigned)a - 1, (unsigned)b - 1);
	char wa[4300], wb[4300];
	char *ta = variant_text(&m, f, (unsigned)a - 1, wa, sizeof(wa));
	char *tb = variant_text(&m, f, (unsigned)b - 1, wb, sizeof(wb));
	if (ta && tb) {
		printf("--- [A] %s\n+++ [B] %s\n", wa, wb);
		struct lines la, lb;
		split(&la, ta);
		split(&lb, tb);
		print_diff(&la, &lb);
		free(la.line);
		free(la.key);
		free(lb.line);
		free(lb.key);
	} else {
		printf("(no source, IR or PTX of both variants in the trace to compare: only the "
		       "images differ)\n");
		for (int k = 0; k < 2; k++) /* why, where that can be told */
			if (!(k ? tb : ta))
				say_why_no_text(&m, f, (unsigned)(k ? b : a) - 1, k ? 'B' : 'A');
	}
	free(ta);
	free(tb);
	rc = 0;
out:
	kca_model_free(&m);
	return rc;
}
