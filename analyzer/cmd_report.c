/* cmd_report.c - kcprof report: which kernels were rebuilt, how often, what it cost against
 * their launches, what changed between the builds, from where, and how to fix it. Also the
 * JSON form (schema kcprof-report/1, docs/report-json.md) and the comparison of two runs. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "../common/kc_fs.h"
#include "../common/kc_hash.h"
#include "changes.h"
#include "kca.h"
#include "model.h"
#include "report.h"

static const char usage[] =
    "usage: kcprof report [DIR...] [--json] [--all] [--top N] [--since T] [--until T]\n"
    "\n"
    "Reads the traces in DIR (default ./kcprof.data) and reports, worst first, each kernel\n"
    "that was built or loaded more than once: variants (distinct images), loads, reloads\n"
    "of an identical image (on the same device), build time (NVRTC, nvJitLink, cuLink,\n"
    "driver PTX JIT, compiler child processes) and load time against its launches, what\n"
    "changed between variants (the tl.constexpr or -D value, the size torch.compile baked\n"
    "in, Triton's int specialisation, autotune configs, PTX constants), the program's lines\n"
    "that loaded it and (NVRTC, nvJitLink, cuLink) that compiled it, and the fix; then the\n"
    "compiles whose output no load took ('compiled but never loaded'). With two or more DIRs,\n"
    "they are compared (before and after): the kernels flagged in any run, then each run's\n"
    "totals; with --json, one report over all of them and each run's totals. A kernel's\n"
    "launches are the times it ran: CUDA graph replays count by its nodes in the graph,\n"
    "and launches that went into a stream capture do not. Traces recorded with --gpu-time\n"
    "add each kernel's GPU time against its build cost, and the streams' idle time between\n"
    "kernels (a run that overlapped its predecessor, through PDL, counts 0).\n"
    "\n"
    "Triton's IR and the kernels' Python sources are read where the trace names them; after\n"
    "'kcprof archive DIR' (which copies them into DIR/triton-cache and DIR/sources) the report\n"
    "reads the same on another machine. A source is read from DIR/sources when it is there\n"
    "(the text that was compiled) and named as the live file only while that is unchanged.\n"
    "\n"
    "With --since or --until, the report covers a time window of the recording (T: seconds\n"
    "from its start, or 500ms, 2m, 1h): a server's builds after its warm-up. It lists every\n"
    "kernel built or loaded in the window, with what the window's builds and loads cost and\n"
    "its launches in the window, beside the whole run's variants, what changed between them\n"
    "and the fix. Builds and loads count by when they ended; launches by the flushes that\n"
    "wrote their counts (every second by default), GPU time the same way (CUPTI hands\n"
    "kernel times over in batches: they can trail the launches).\n"
    "\n"
    "Options:\n"
    "  --json       machine-readable report (schema kcprof-report/1, docs/report-json.md)\n"
    "  --all        list every kernel, fine ones too (compared: a row for each)\n"
    "  --top N      at most N kernels in detail (default 10); how many more were flagged is\n"
    "               said (compared: at most N rows where given, else every flagged one)\n"
    "  --since T    only what happened T or later after the recording's start\n"
    "  --until T    only what happened before T after the recording's start\n"
    "  -h, --help   this text\n"
    "\n"
    "Exit status: 0; 1 when no trace could be read (or a compared run has none); 2 usage.\n"
    "\n"
    "Examples:\n"
    "  kcprof report\n"
    "  kcprof report before.data after.data\n"
    "  kcprof report --since 60 serve.data     # what was built after the first minute\n"
    "  kcprof report --json kcprof.data | jq '.kernels[] | select(.churn)'\n";

/* ---- formatting --------------------------------------------------------------------------- */

const char *kca_fmt_ns(uint64_t ns, char *buf, size_t cap)
{
	double v = (double)ns;
	if (ns >= 1000000000ull)
		snprintf(buf, cap, "%.2f s", v / 1e9);
	else if (ns >= 1000000ull)
		snprintf(buf, cap, "%.1f ms", v / 1e6);
	else if (ns >= 10000ull)
		snprintf(buf, cap, "%.0f µs", v / 1e3);
	else if (ns >= 1000ull)
		snprintf(buf, cap, "%.1f µs", v / 1e3);
	else
		snprintf(buf, cap, "%" PRIu64 " ns", ns);
	return buf;
}

/* An in-process compiler as the report names it: NVRTC, nvJitLink, cuLink; others by their
 * trace name. */
static const char *tool_label(unsigned tool)
{
	switch (tool) {
	case KC_TOOL_NVRTC:
		return "NVRTC";
	case KC_TOOL_NVJITLINK:
		return "nvJitLink";
	case KC_TOOL_CULINK:
		return "cuLink";
	case KC_TOOL_NVVM:
		return "NVVM";
	default:
		return kc_tool_name(tool);
	}
}

/* Compiler children attributed to a family's loads, counted by tool. */
static void child_summary(const struct kca_model *m, const struct kca_family *f, char *buf,
			  size_t cap)
{
	struct tool_time {
		const char *name;
		unsigned n;
		uint64_t ns;
	} tools[8];
	unsigned nt = 0;
	/* in the process, by tool: NVRTC, NVVM, nvJitLink, cuLink (an NVRTC PTX linked: both), and
	 * any other (a newer trace's) */
	static const unsigned inproc_tools[] = {KC_TOOL_NVRTC, KC_TOOL_NVVM, KC_TOOL_NVJITLINK,
						KC_TOOL_CULINK};
	enum { NINPROC = sizeof(inproc_tools) / sizeof(inproc_tools[0]) };
	uint64_t inproc[NINPROC + 1] = {0};
	unsigned ninproc[NINPROC + 1] = {0};
	for (unsigned i = 0; i < f->ncompiles; i++) {
		const struct kca_compile *cp = &m->compiles[f->compiles[i]];
		if (cp->tool != KC_TOOL_EXEC) {
			unsigned k = 0;
			while (k < NINPROC && cp->tool != inproc_tools[k])
				k++;
			inproc[k] += cp->duration_ns;
			ninproc[k]++;
			continue;
		}
		/* as the program ran it (argv[0]: gcc, not the gcc-12 it resolves to) */
		const char *n0 = cp->noptions ? cp->options[0] : cp->name;
		const char *base = strrchr(n0, '/');
		base = base ? base + 1 : n0;
		if (strncmp(base, "x86_64-linux-gnu-", 17) == 0)
			base += 17;
		unsigned i;
		for (i = 0; i < nt; i++)
			if (strcmp(tools[i].name, base) == 0)
				break;
		if (i == nt && nt < 8)
			tools[nt++] = (struct tool_time){base, 0, 0};
		if (i < 8) {
			tools[i].n++;
			tools[i].ns += cp->duration_ns;
		}
	}
	size_t n = 0;
	char t[32];
	buf[0] = '\0';
	for (unsigned k = 0; k <= NINPROC && n < cap; k++)
		if (ninproc[k])
			n += (size_t)snprintf(
			    buf + n, cap - n, "%s%u %s compile%s %s", n ? ", " : "", ninproc[k],
			    k < NINPROC ? tool_label(inproc_tools[k]) : "other",
			    KCA_PLURAL(ninproc[k]), kca_fmt_ns(inproc[k], t, sizeof(t)));
	for (unsigned i = 0; i < nt && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%u× %s %s", n ? ", " : "", tools[i].n,
				      tools[i].name, kca_fmt_ns(tools[i].ns, t, sizeof(t)));
}

/* ---- the fix ------------------------------------------------------------------------------ */

/* The first change of kind k that a fix can name: a -D naming the build is none. */
static const struct kca_change *first_of(const struct kca_changes *ch, enum kca_change_kind k)
{
	for (unsigned i = 0; i < ch->nchanges; i++)
		if (ch->changes[i].kind == k && !kca_change_names_build(&ch->changes[i]))
			return &ch->changes[i];
	return NULL;
}

/* Whether the presence of values of change a is the opposite of b's in every variant. */
static int complementary(const struct kca_change *a, const struct kca_change *b)
{
	if (a->nvalues != b->nvalues)
		return 0;
	unsigned in_a = 0, in_b = 0;
	for (unsigned v = 0; v < a->nvalues; v++) {
		if ((a->values[v] != NULL) == (b->values[v] != NULL))
			return 0;
		in_a += a->values[v] != NULL;
		in_b += b->values[v] != NULL;
	}
	return in_a && in_b;
}

/* Whether constant c was baked into some variants and an argument of the others: each variant
 * has either c's value or, as Triton's int argument, its divisibility (Dynamo's automatic
 * dynamic shapes: the first size or number static, the kernel built again with it symbolic).
 * The argument is the size's own name (xnumel), else the one int argument that only the
 * variants without c have (ks0, where Inductor wrote the number as tmp1 = 3.0); its name
 * into arg. */
static int became_argument(const struct kca_changes *ch, const struct kca_change *c, char *arg,
			   size_t cap)
{
	char name[160];
	snprintf(name, sizeof(name), "%s %% 16 == 0", c->name);
	const struct kca_change *div = NULL;
	unsigned others = 0;
	for (unsigned i = 0; i < ch->nchanges; i++) {
		const struct kca_change *d = &ch->changes[i];
		if (d->kind != KCA_CHANGE_DIVISIBILITY || !strstr(d->name, " % 16 == 0"))
			continue;
		if (strcmp(d->name, name) == 0) {
			div = d;
			others = 0;
			break;
		}
		if (complementary(c, d))
			div = d, others++;
	}
	if (!div && strstr(c->name, "numel") && kca_change_distinct(c) == 1) {
		/* a size built in by the first builds and gone from the later ones, whose kernel
		 * reads it from nowhere (no mask: Inductor knows it a multiple of the block) */
		unsigned v = 0;
		while (v < c->nvalues && c->values[v])
			v++;
		int later_gone = v > 0 && v < c->nvalues;
		for (; v < c->nvalues; v++)
			later_gone &= !c->values[v];
		if (later_gone) {
			snprintf(arg, cap, "%s", c->name);
			return 1;
		}
	}
	if (!div || others > 1 || !complementary(c, div))
		return 0;
	snprintf(arg, cap, "%.*s", (int)strcspn(div->name, " "), div->name);
	return 1;
}

/* Dynamo compiles a function for at most this many guards' worth of values, then runs it
 * eagerly (torch._dynamo.config.recompile_limit, 8 by default). */
#define KCA_DYNAMO_RECOMPILE_LIMIT 8

/* Appends to an Inductor fix what Dynamo's limit did where c took exactly as many values:
 * later values ran without torch.compile, and no build of theirs shows. */
static void recompile_limit(const struct kca_change *c, char *buf, size_t cap)
{
	unsigned distinct = kca_change_distinct(c);
	if (distinct != KCA_DYNAMO_RECOMPILE_LIMIT)
		return;
	size_t n = strlen(buf);
	snprintf(buf + n, cap - n,
		 "; %u values is Dynamo's recompile limit (torch._dynamo.config.recompile_limit): "
		 "past it Dynamo runs the function eagerly: any later values ran without "
		 "torch.compile (it warns \"hit config.recompile_limit\")",
		 distinct);
}

/* Whether every value of constexpr c is True or False. */
static int flag(const struct kca_change *c)
{
	unsigned n = 0;
	for (unsigned v = 0; v < c->nvalues; v++) {
		if (!c->values[v])
			continue;
		if (strcmp(c->values[v], "True") != 0 && strcmp(c->values[v], "False") != 0)
			return 0;
		n++;
	}
	return n > 0;
}

/* Whether Inductor's constant `name` is a number the kernel computes with (tmp1 = 3.0: a
 * Python int or float of the program's), not a size of the input (xnumel, ks0, x0). */
static int inductor_number(const char *name)
{
	if (strncmp(name, "tmp", 3) != 0 || !name[3])
		return 0;
	for (const char *p = name + 3; *p; p++)
		if (!isdigit((unsigned char)*p))
			return 0;
	return 1;
}

/* Whether f is FlexAttention's kernel (its template, or its decoding one). */
static int flex_attention(const struct kca_family *f)
{
	return strstr(f->name, "flex_attention") || strstr(f->name, "flex_decoding");
}

/* Whether change c is one of a template's tuning values: a block size or a config. */
static int template_tuning(const struct kca_change *c)
{
	return (c->kind == KCA_CHANGE_CONSTANT && kca_template_block(c->name)) ||
	       c->kind == KCA_CHANGE_CONFIG;
}

/* The template's block sizes and configs that changed ("BLOCK_M, BLOCK_N, BLOCK_K, num_warps")
 * into buf, where a block size is among them and their values tell every variant apart: a
 * sweep of configs, each built once (a size of the input that reached them as well would
 * repeat a combination). How many names, or 0. */
static int template_sweep(const struct kca_family *f, const struct kca_changes *ch, char *buf,
			  size_t cap)
{
	int n = 0, blocks = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < ch->nchanges; i++)
		if (template_tuning(&ch->changes[i])) {
			blocks += ch->changes[i].kind == KCA_CHANGE_CONSTANT;
			snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s", n++ ? ", " : "",
				 ch->changes[i].name);
		}
	if (!blocks || f->nvariants > 4096)
		return 0;
	for (unsigned a = 0; a < f->nvariants; a++)
		for (unsigned b = a + 1; b < f->nvariants; b++) {
			int same = 1; /* a value not known is no repeat */
			for (unsigned i = 0; i < ch->nchanges && same; i++) {
				const struct kca_change *c = &ch->changes[i];
				if (!template_tuning(c))
					continue;
				const char *x = a < c->nvalues ? c->values[a] : NULL;
				const char *y = b < c->nvalues ? c->values[b] : NULL;
				same = x && y && strcmp(x, y) == 0;
			}
			if (same)
				return 0;
		}
	return n;
}

static void fix_text(const struct kca_model *m, const struct kca_family *f,
		     const struct kca_changes *ch, char *buf, size_t cap);

/* Appends to a fix what launch options (num_warps, num_stages) changed beside its subject:
 * each value is a build of its own too. */
static void config_too(const struct kca_changes *ch, char *buf, size_t cap)
{
	for (unsigned i = 0; i < ch->nchanges; i++) {
		const struct kca_change *c = &ch->changes[i];
		if (c->kind != KCA_CHANGE_CONFIG)
			continue;
		char values[128];
		kca_values_summary(c, values, sizeof(values));
		size_t n = strlen(buf);
		snprintf(buf + n, cap - n,
			 "; %s changes too (%s): a launch option, each value a build of its own; "
			 "launch with one",
			 c->name, values);
		return;
	}
}

/* Whether kcprof saw f built (a compile, a compiler child, Triton): its images are builds;
 * else images, which the program may have built where kcprof could not see. */
static int saw_build(const struct kca_family *f)
{
	return f->build_ns || f->ncompiles;
}

/* cost over launches, "<1 ns" where that rounds to 0 but is not */
static const char *per_launch(uint64_t cost, uint64_t launches, char *buf, size_t cap)
{
	return cost && cost < launches ? "<1 ns" : kca_fmt_ns(cost / launches, buf, cap);
}

void kca_fix_text(const struct kca_model *m, const struct kca_family *f,
		  const struct kca_changes *ch, char *buf, size_t cap)
{
	buf[0] = '\0';
	if (f->verdict == KCA_FINE)
		return;
	if (f->verdict == KCA_BUILT_PER_PROCESS) {
		char which[64];
		if (f->built_in == f->procs)
			snprintf(which, sizeof(which), "each of the %u", f->procs);
		else
			snprintf(which, sizeof(which), "%u of the %u", f->built_in, f->procs);
		snprintf(buf, cap,
			 "the same kernel was built in %s processes that loaded it: "
			 "build it once, before they start, into a cache they share (Triton's "
			 "TRITON_CACHE_DIR, Inductor's TORCHINDUCTOR_CACHE_DIR: workers started "
			 "together each build what none has cached yet), or ship it prebuilt",
			 which);
		return;
	}
	/* Built before CUDA graphs that then replayed it: what the builds cost is paid once, at
	 * start-up, however many steps the graphs run. */
	size_t n = 0;
	if (f->verdict == KCA_FEW_VARIANTS && f->graph_runs && 2 * f->graph_runs >= f->launches)
		n = (size_t)snprintf(buf, cap,
				     "its %u %s came before CUDA graphs that replayed it %" PRIu64
				     " times: a start-up cost, paid once a process. If start-up "
				     "matters: ",
				     f->nvariants, saw_build(f) ? "builds" : "images",
				     f->graph_runs);
	if (n >= cap)
		return;
	fix_text(m, f, ch, buf + n, cap - n);
}

/* The function jax.jit compiled that made f's first variant ("the function" if unknown). */
static const char *jax_function(const struct kca_model *m, const struct kca_family *f)
{
	for (unsigned v = 0; v < f->nvariants; v++) {
		const char *fun = m->loads[f->variants[v].first_load].jax_fun;
		if (fun)
			return fun;
	}
	return "the function";
}

/* Whether f's function is one of JAX's own (jnp.pad, jnp.ones, an indexing op) that the
 * program ran outside jax.jit: in a load's Python frames, the first frame past jax.jit's
 * dispatch (_cpp_pjit's cache_miss, traceback_util's wrapper) is JAX's code, not the
 * program's. */
static int jax_own_operation(const struct kca_model *m, const struct kca_family *f)
{
	const struct kca_load *l = f->nvariants ? &m->loads[f->variants[0].first_load] : NULL;
	unsigned i = 0;
	while (l && i < l->npy_frames &&
	       !strstr(l->py_frames[i], "\t_cpp_pjit.<locals>.cache_miss"))
		i++;
	for (i++; l && i < l->npy_frames; i++) {
		const char *fr = l->py_frames[i], *tab = strchr(fr, '\t');
		size_t n = tab ? (size_t)(tab - fr) : strlen(fr);
		static const char wrapper[] = "/jax/_src/traceback_util.py";
		if (n >= sizeof(wrapper) - 1 &&
		    memcmp(fr + n - (sizeof(wrapper) - 1), wrapper, sizeof(wrapper) - 1) == 0)
			continue;
		const char *jax = strstr(fr, "/jax/");
		return jax && jax < fr + n;
	}
	return 0;
}

/* cuDNN's runtime-compiled engines (cudnn_generated_*): built for an execution plan, a plan
 * for a problem shape. Writes the fix and returns 1 where f is one. */
static int cudnn_fix_text(const struct kca_family *f, char *buf, size_t cap)
{
	if (strncmp(f->name, "cudnn_generated_", 16) != 0)
		return 0;
	unsigned again = f->ncompiles > f->nvariants ? f->ncompiles - f->nvariants : 0;
	if (!f->launches) { /* built to be timed, not chosen */
		snprintf(
		    buf, cap,
		    "cuDNN compiled this kernel with NVRTC %u times and never launched it: an "
		    "engine it built to time against others and did not choose, as "
		    "torch.backends.cudnn.benchmark = True does for each new input shape; keep "
		    "the input shapes to a few values, or turn benchmark mode off where they vary",
		    f->ncompiles);
		return 1;
	}
	char rebuilt[96] = "";
	if (again)
		snprintf(rebuilt, sizeof(rebuilt), ", %u of them code it had built before", again);
	snprintf(buf, cap,
		 "cuDNN compiled this kernel with NVRTC at run time, %u times into %u image%s%s: "
		 "it builds an execution plan for each new problem shape and compiles its kernel "
		 "then; keep the shapes to a few values (pad or bucket the lengths)%s",
		 f->ncompiles, f->nvariants, KCA_PLURAL(f->nvariants), rebuilt,
		 strstr(f->name, "sdpa")
		     ? ", or where lengths vary use another attention backend "
		       "(torch.nn.attention.sdpa_kernel(SDPBackend.FLASH_ATTENTION))"
		     : "");
	return 1;
}

static void fix_text(const struct kca_model *m, const struct kca_family *f,
		     const struct kca_changes *ch, char *buf, size_t cap)
{
	const struct kca_change *c;
	buf[0] = '\0';
	if (ch->same_entry && !ch->same_ptx && !ch->nchanges && !f->prebuilt_copies) {
		snprintf(
		    buf, cap,
		    "its module was built again for another of its kernels: see the kernel "
		    "whose PTX changed; a kernel that changes per build in a module of its own "
		    "leaves this one built once");
		return;
	}
	if (ch->same_ptx && !ch->nchanges && !f->prebuilt_copies) {
		if (ch->same_code)
			snprintf(
			    buf, cap,
			    "the same code in %u images (their PTX and machine code are "
			    "identical: compressed or not, other architectures beside it): load "
			    "one of them, once",
			    f->nvariants);
		else
			snprintf(
			    buf, cap,
			    "the same PTX built %u ways (other ptxas options or debug line info, "
			    "or no machine code in one: the driver JIT-compiles its PTX): build "
			    "it one way, and load that image once",
			    f->nvariants);
		return;
	}
	if (f->verdict == KCA_AUTOTUNE_SWEEP && f->front_end == KCA_FE_JAX) {
		snprintf(
		    buf, cap,
		    "XLA's autotuner built and timed %u candidate configs of this kernel while it "
		    "compiled %s: a cost of each compile (of each new input shape), not of the "
		    "steps. To pay it once, keep JAX's persistent compilation cache "
		    "(jax.config.update(\"jax_compilation_cache_dir\", ...)); to skip it, "
		    "XLA_FLAGS=--xla_gpu_autotune_level=0 (untuned configs)",
		    kca_family_xla_tuned(f), jax_function(m, f));
		return;
	}
	const struct kca_change *option = first_of(ch, KCA_CHANGE_CONFIG);
	if (f->verdict == KCA_AUTOTUNE_SWEEP && !ch->autotune_where[0] &&
	    f->front_end == KCA_FE_TRITON && option && ch->nchanges == 1) {
		/* no autotuner over the kernel: the program launches it with these options */
		char values[128];
		kca_values_summary(option, values, sizeof(values));
		snprintf(buf, cap,
			 "%s is launched with %s %s: a launch option, and Triton builds a variant "
			 "for each value; launch with one (or tune it once offline)",
			 f->name, option->name, values);
		return;
	}
	unsigned windows;
	uint64_t after_ns;
	if (kca_family_retuned(f, ch, &windows, &after_ns)) {
		char key[160] = "";
		if (ch->autotune_key[0])
			snprintf(key, sizeof(key), " (key=%s)", ch->autotune_key);
		snprintf(
		    buf, cap,
		    "the autotuner (@triton.autotune at %s) benchmarked the %u configs of %s "
		    "again and again: each ran in %u or more flush windows, the last %.1f s or "
		    "more after its build (%" PRIu64 " launches in all), as the autotuner does "
		    "for each new value of its key%s; key it on fewer values (a bucket), or "
		    "tune once offline and launch the chosen triton.Config directly",
		    kc_base_name(ch->autotune_where), f->nvariants, f->name, windows,
		    after_ns / 1e9, f->launches, key);
		return;
	}
	if (f->verdict == KCA_AUTOTUNE_SWEEP) {
		const char *at = ch->autotune_where;
		snprintf(buf, cap,
			 "the autotuner%s%s%s built %u configs of %s: tune once offline and launch "
			 "the chosen "
			 "triton.Config directly on the hot path (autotune's wrapper also costs "
			 "host time on "
			 "every call)",
			 *at ? " (@triton.autotune at " : "", *at ? kc_base_name(at) : "",
			 *at ? ")" : "", f->nvariants, f->name);
		return;
	}
	if (f->verdict == KCA_RELOAD_CHURN && f->def_inside) {
		snprintf(
		    buf, cap,
		    "%s is defined inside %s (%s): each call makes a new @triton.jit function, "
		    "whose in-memory cache starts empty, so Triton finds its build on disk and "
		    "loads it again (%u loads of %u image%s); define the kernel once, at module "
		    "level",
		    f->name, f->def_inside, f->def_where, f->proc_loads, f->nvariants,
		    KCA_PLURAL(f->nvariants));
		return;
	}
	if (f->verdict == KCA_RELOAD_CHURN && f->front_end == KCA_FE_JAX) {
		snprintf(
		    buf, cap,
		    "XLA loaded the same image of this kernel %u times (%s): each jax.jit "
		    "compile loads its kernels anew, a compile that built the same code included; "
		    "fewer compiles of %s (a few input shapes, no static argument that changes), "
		    "fewer loads",
		    f->proc_loads, jax_function(m, f), jax_function(m, f));
		return;
	}
	if (f->verdict == KCA_RELOAD_CHURN && f->front_end == KCA_FE_INDUCTOR) {
		/* a graph loads its kernels when it is compiled, a kernel it shares with another
		 * graph too (its build found in the cache) */
		snprintf(
		    buf, cap,
		    "torch.compile loaded the same kernel %u times: each graph it compiles loads "
		    "its kernels anew, those it found already built too, so the loads count "
		    "Dynamo's recompiles (a new input shape, a new value of a Python number); "
		    "fewer recompiles, fewer loads: mark the varying dimension dynamic "
		    "(torch._dynamo.mark_dynamic(x, dim)), or pad inputs to a few sizes",
		    f->proc_loads);
		return;
	}
	if (f->verdict == KCA_RELOAD_CHURN && cudnn_fix_text(f, buf, cap))
		return; /* cuDNN compiled it again for each shape: not a load to keep */
	if (f->verdict == KCA_RELOAD_CHURN &&
	    (f->front_end == KCA_FE_NVRTC || f->front_end == KCA_FE_LINK) &&
	    f->ncompiles > f->nvariants) {
		/* each load its own compile of the same code: the builds are what it costs */
		snprintf(
		    buf, cap,
		    "the program compiled the same code %u times with %s into %u image%s, %u of "
		    "the compiles building again what it had built: compile once and keep the "
		    "module, or cache compiled modules keyed by source and options",
		    f->ncompiles, f->front_end == KCA_FE_LINK ? "NVRTC and nvJitLink" : "NVRTC",
		    f->nvariants, KCA_PLURAL(f->nvariants), f->ncompiles - f->nvariants);
		return;
	}
	if (f->verdict == KCA_RELOAD_CHURN) {
		char what[160];
		const char *where = f->procs > 1 ? " in one process" : "";
		char devices[48] = "";	 /* the process's that loaded it again most */
		if (f->proc_devices > 1) /* once a device is needed: the rest is the churn */
			snprintf(devices, sizeof(devices), " on %u devices", f->proc_devices);
		if (f->nvariants == 1 && f->proc_devices > 1)
			snprintf(what, sizeof(what),
				 "the same image is loaded %u times%s%s (%u again on a device)",
				 f->proc_loads, devices, where, f->proc_reloads);
		else if (f->nvariants == 1)
			snprintf(what, sizeof(what), "the same image is loaded %u times%s",
				 f->proc_loads, where);
		else
			snprintf(what, sizeof(what),
				 "its %u images are loaded again and again (%u of %u "
				 "loads of an image already loaded%s%s)",
				 f->nvariants, f->proc_reloads, f->proc_loads,
				 f->proc_devices > 1 ? " on its device" : "", where);
		snprintf(buf, cap, "%s%s: load it once%s and keep the %s (cache by image)%s", what,
			 f->front_end == KCA_FE_PTX ? " and JIT-compiled from PTX each time" : "",
			 f->proc_devices > 1 ? " a device" : "",
			 f->library_api ? "CUlibrary/CUkernel" : "CUmodule/CUfunction",
			 f->front_end == KCA_FE_PTX ? "; ship a cubin or fatbin for the target GPU"
						    : "");
		return;
	}
	/* the directory its first image's trace came from, as given: for 'kcprof diff' */
	const char *dir =
	    f->nvariants ? m->dirs[m->procs[m->loads[f->variants[0].first_load].proc].dir_index]
			 : "DIR";
	switch (f->front_end) {
	case KCA_FE_TRITON:
		if ((c = first_of(ch, KCA_CHANGE_CONSTANT)) && c->is_param &&
		    kca_set_by_heuristics(ch, c->name)) {
			if (f->verdict == KCA_SPECIALIZATION_CHURN) {
				snprintf(
				    buf, cap,
				    "%s is computed by the @triton.heuristics at %s from the "
				    "call's arguments, and takes a new value almost every call "
				    "(%u builds): make that function return a few values (a "
				    "bucket of the size it reads), or one that serves them all%s",
				    c->name, ch->heuristics_where, f->nvariants,
				    strcasestr(c->name, "block")
					? ""
					: "; or drop it from the heuristics and pass a runtime "
					  "argument");
				return;
			}
			char values[128];
			kca_values_summary(c, values, sizeof(values));
			snprintf(buf, cap,
				 "%s is computed by the @triton.heuristics at %s from the call's "
				 "arguments (%s): a build for each value it returns, each serving "
				 "many launches here; fewer values build fewer",
				 c->name, ch->heuristics_where, values);
			config_too(ch, buf, cap);
			return;
		}
		if ((c = first_of(ch, KCA_CHANGE_CONSTANT)) && c->is_param &&
		    strcasestr(c->name, "block")) {
			snprintf(
			    buf, cap,
			    "%s sizes the kernel's blocks, which must stay a tl.constexpr: round "
			    "it to fewer bucket values (%u builds now), or one size that serves "
			    "them all",
			    c->name, f->nvariants);
			return;
		}
		if ((c = first_of(ch, KCA_CHANGE_CONSTANT)) && c->is_param && flag(c)) {
			snprintf(
			    buf, cap,
			    "%s is a flag (True, False): a build for each, once, its branch "
			    "compiled out; fine as a tl.constexpr where both are used, a runtime "
			    "argument where one build should serve",
			    c->name);
			return;
		}
		if ((c = first_of(ch, KCA_CHANGE_CONSTANT)) && c->is_param &&
		    kca_change_triton_dtypes(c)) {
			char values[128];
			kca_values_summary(c, values, sizeof(values));
			snprintf(buf, cap,
				 "%s is a dtype (%s): Triton builds the kernel for each, once "
				 "each, as it must; keep to the dtypes in use",
				 c->name, values);
			config_too(ch, buf, cap);
			return;
		}
		if ((c = first_of(ch, KCA_CHANGE_CONSTANT)) && c->is_param) {
			snprintf(buf, cap,
				 "%s takes a new value %s: make it a runtime argument (drop "
				 "tl.constexpr), or round "
				 "it up to a few bucket values; keep tl.constexpr for what shapes "
				 "the code (block "
				 "sizes)",
				 c->name,
				 f->verdict == KCA_SPECIALIZATION_CHURN ? "almost every call"
									: "now and then");
			return;
		}
		if ((c = first_of(ch, KCA_CHANGE_TYPE))) {
			int none = 0;
			for (unsigned v = 0; v < c->nvalues; v++)
				none |= c->values[v] && strcmp(c->values[v], "None") == 0;
			int width = 0; /* an int's: i32, i64 (u64 past 2**63) */
			for (unsigned v = 0; v < c->nvalues; v++)
				width |= c->values[v] && (strcmp(c->values[v], "i64") == 0 ||
							  strcmp(c->values[v], "u64") == 0);
			if (width)
				snprintf(
				    buf, cap,
				    "Triton types the int argument %s by its value: i32 up to "
				    "2**31-1, i64 past it, each a build of its own; pass a value "
				    "that stays on one side (a block index the kernel multiplies "
				    "as tl.int64), or offset the tensor on the host instead",
				    c->name);
			else if (none)
				snprintf(
				    buf, cap,
				    "%s is None in some calls and a tensor in others: Triton "
				    "builds each case (expected for an optional argument); pass "
				    "one always (an empty tensor and a flag) if one build "
				    "should serve",
				    c->name);
			else
				snprintf(buf, cap,
					 "%s comes in more than one dtype: Triton builds a variant "
					 "for each; convert the inputs to one dtype if one build "
					 "should serve",
					 c->name);
			config_too(ch, buf, cap);
			return;
		}
		char arg[128];
		if ((c = first_of(ch, KCA_CHANGE_DIVISIBILITY)) && strstr(c->name, " aligned")) {
			snprintf(arg, sizeof(arg), "%.*s", (int)strcspn(c->name, " "), c->name);
			snprintf(buf, cap,
				 "Triton specialises pointer %s on its data's 16-byte alignment, "
				 "which changes between calls (a tensor sliced at an odd offset): "
				 "keep its data 16-byte aligned, or add do_not_specialize=[\"%s\"] "
				 "to @triton.jit",
				 arg, arg);
			return;
		}
		if ((c = first_of(ch, KCA_CHANGE_DIVISIBILITY)) ||
		    (c = first_of(ch, KCA_CHANGE_EQUALS_ONE))) {
			/* the argument: the change's name up to its first space */
			snprintf(arg, sizeof(arg), "%.*s", (int)strcspn(c->name, " "), c->name);
			snprintf(buf, cap,
				 "Triton specialises the int argument %s on %s: add "
				 "do_not_specialize=[\"%s\"] to "
				 "@triton.jit so one build serves every value",
				 arg,
				 c->kind == KCA_CHANGE_DIVISIBILITY ? "divisibility by 16"
								    : "being 1",
				 arg);
			return;
		}
		if ((c = first_of(ch, KCA_CHANGE_CONSTANT))) {
			snprintf(buf, cap,
				 "a constant baked into the kernel changes between builds (%s): "
				 "pass it as a runtime "
				 "argument instead of a tl.constexpr, or bucket it",
				 c->where[0] ? c->where : c->name);
			return;
		}
		break;
	case KCA_FE_INDUCTOR: {
		/* a size of the input among the constants, and builds that are not churn */
		const struct kca_change *size = kca_inductor_size(ch);
		int once = f->verdict != KCA_SPECIALIZATION_CHURN;
		char tuning[256], code[128];
		const struct kca_change *inputs = kca_inductor_code(ch, KCA_CODE_INPUTS);
		const struct kca_change *lines = kca_inductor_code(ch, KCA_CODE_LINES);
		if (inputs) {
			kca_values_summary(inputs, code, sizeof(code));
			snprintf(buf, cap,
				 "torch.compile built a kernel for each number of inputs (%s): a "
				 "list or tuple of tensors the compiled function takes is a new "
				 "graph for each length, dynamic or not (Dynamo guards on it), its "
				 "sizes with it: stack the parts into one tensor, or pad the list "
				 "to a few lengths",
				 code);
			return;
		}
		if (!size && lines) {
			kca_values_summary(lines, code, sizeof(code));
			snprintf(buf, cap,
				 "torch.compile built kernels of one name whose code differs (%s "
				 "lines in the body), not a size or a constant: Dynamo compiled a "
				 "graph for each value of something that changes what is computed, "
				 "such as a Python int used as a loop count or in a branch (ints "
				 "that steer the code are specialized, dynamic or not); make it "
				 "data (a tensor), or keep it to a few values; 'kcprof diff' shows "
				 "the code",
				 code);
			return;
		}
		if (!size && once && template_sweep(f, ch, tuning, sizeof(tuning))) {
			snprintf(buf, cap,
				 "Inductor's max-autotune built %u configs of its %s template (%s) "
				 "and benchmarked them at the first call, keeping the fastest: a "
				 "one-time cost, saved on the next start where Inductor's cache "
				 "(TORCHINDUCTOR_CACHE_DIR) is kept; without max-autotune Inductor "
				 "builds a single config",
				 f->nvariants, f->name, tuning);
			return;
		}
		char arg[128], values[256];
		/* a size of 1 built in where the others take it as an argument */
		const struct kca_change *one = NULL;
		for (unsigned i = 0; i < ch->nchanges && !one; i++) {
			const struct kca_change *d = &ch->changes[i];
			for (unsigned v = 0; d->kind == KCA_CHANGE_EQUALS_ONE && v < d->nvalues;
			     v++)
				if (d->values[v] && strcmp(d->values[v], "yes") == 0 &&
				    (strstr(d->name, "numel ") || strncmp(d->name, "ks", 2) == 0))
					one = d;
		}
		if (!size && once && one) {
			snprintf(arg, sizeof(arg), "%.*s", (int)strcspn(one->name, " "), one->name);
			snprintf(
			    buf, cap,
			    "torch.compile built the kernel again for a size of 1 (%s == 1): "
			    "Dynamo specializes sizes 0 and 1 even in a dimension marked "
			    "dynamic (its 0/1 specialization), so a batch of one is a graph "
			    "and a kernel of its own: a second build, once; "
			    "torch._dynamo.decorators.mark_unbacked(x, dim) keeps one, or pad a "
			    "batch of one to two",
			    arg);
			return;
		}
		if (!size && once && (c = first_of(ch, KCA_CHANGE_CONSTANT))) {
			snprintf(
			    buf, cap,
			    "Inductor built %u block sizes of %s (%s) and kept the fastest at "
			    "the first call (its pointwise autotuning): a one-time cost; "
			    "torch._inductor.config.triton.autotune_pointwise = False builds one",
			    f->nvariants, f->name, c->name);
			return;
		}
		if (size && once && became_argument(ch, size, arg, sizeof(arg))) {
			kca_values_summary(size, values, sizeof(values));
			if (inductor_number(size->name))
				snprintf(
				    buf, cap,
				    "torch.compile first built the number %s into the kernel "
				    "(%s), then built it again taking it as an argument (%s) "
				    "once it changed: Dynamo makes a Python int or float dynamic "
				    "at its second value (its automatic dynamic shapes): a "
				    "second build, once; torch.compile(dynamic=True) builds only "
				    "the kernel that takes it as an argument",
				    size->name, values, arg);
			else
				snprintf(
				    buf, cap,
				    "torch.compile first built %s into the kernel (%s), then "
				    "built it again with %s as an argument once the size changed "
				    "(its automatic dynamic shapes): a second build, once; "
				    "torch._dynamo.mark_dynamic(x, dim) before the first call "
				    "builds only the kernel that takes it as an argument",
				    size->name, values, arg);
			return;
		}
		const char *how =
		    f->verdict == KCA_SPECIALIZATION_CHURN ? "almost every call" : "now and then";
		if (size && inductor_number(size->name) && flex_attention(f)) {
			kca_values_summary(size, values, sizeof(values));
			snprintf(buf, cap,
				 "a number that the score_mod or mask_mod reads from outside "
				 "(%s: %s) is baked into FlexAttention's kernel, a new value %s: "
				 "each is a new compile; capture it as a tensor "
				 "(torch.tensor(value, device=\"cuda\"), updated in place) so that "
				 "one kernel reads it",
				 size->name, values, how);
			return;
		}
		if (size && inductor_number(size->name)) {
			kca_values_summary(size, values, sizeof(values));
			snprintf(buf, cap,
				 "torch.compile baked a number into the kernel (%s: %s), a new "
				 "value %s: a Python int or float that the compiled function takes "
				 "or reads from a global is a constant of its graph, and each new "
				 "value a new graph (with dynamic=False always; otherwise Dynamo "
				 "takes an argument's value as an input from its second value on); "
				 "pass it as a tensor, or drop dynamic=False",
				 size->name, values, how);
			recompile_limit(size, buf, cap);
			return;
		}
		if (size && kca_inductor_stride(size->name) && kca_change_symbolic(size) && once) {
			kca_values_summary(size, values, sizeof(values));
			snprintf(buf, cap,
				 "torch.compile built the kernel again for an input whose stride "
				 "changed (a view into a buffer of another width), taking the "
				 "stride as an argument (%s: %s; its automatic dynamic shapes): a "
				 "second build, once; contiguous inputs (x.contiguous()) build one",
				 size->name, values);
			return;
		}
		if (size && kca_inductor_stride(size->name)) {
			kca_values_summary(size, values, sizeof(values));
			snprintf(buf, cap,
				 "torch.compile baked a stride of its input into the kernel (%s: "
				 "%s), a new value %s: the input is a view into a buffer whose "
				 "rows change length (a padded batch sliced), and dynamic=False "
				 "bakes strides as it bakes sizes; pass a contiguous tensor "
				 "(x.contiguous(), or a buffer of one width), or drop "
				 "dynamic=False (automatic dynamic shapes take a stride that "
				 "changes as an argument)",
				 size->name, values, how);
			recompile_limit(size, buf, cap);
			return;
		}
		if ((c = size) || (c = first_of(ch, KCA_CHANGE_CONSTANT))) {
			snprintf(buf, cap,
				 "torch.compile baked a size of its input into the kernel (%s, a "
				 "new value "
				 "%s): mark the varying dimension dynamic "
				 "(torch._dynamo.mark_dynamic(x, "
				 "dim), or torch.compile(dynamic=True)) so that one kernel takes "
				 "it as an "
				 "argument, or pad inputs to a few sizes",
				 c->name, how);
			recompile_limit(c, buf, cap);
			return;
		}
		snprintf(buf, cap,
			 "torch.compile rebuilt %s for new input shapes: mark the varying "
			 "dimension dynamic "
			 "(torch._dynamo.mark_dynamic(x, dim) or torch.compile(dynamic=True)), or "
			 "pad inputs to "
			 "a few sizes",
			 f->name);
		return;
	}
	case KCA_FE_NVRTC:
	case KCA_FE_LINK:
		if ((c = first_of(ch, KCA_CHANGE_DEFINE))) {
			/* every variant's compile made another image than the one loaded: the
			 * program's own cache held them (CuPy's), the compile a probe */
			int cached = f->nvariants > 0;
			for (unsigned v = 0; v < f->nvariants && cached; v++) {
				const struct kca_variant *var = &f->variants[v];
				cached =
				    var->compile >= 0 && m->compiles[var->compile].output_hash !=
							     m->loads[var->first_load].hash;
			}
			/* compiles that probed a build (CuPy's empty program before each) */
			unsigned probes = 0;
			for (unsigned i = 0; i < f->ncompiles; i++) {
				const struct kca_compile *p = &m->compiles[f->compiles[i]];
				probes += p->tool == KC_TOOL_NVRTC && p->via >= 0 &&
					  m->compiles[p->via].tool == KC_TOOL_NVRTC;
			}
			snprintf(buf, cap,
				 "-D%s changes per compile: pass %s as a kernel argument so one "
				 "build serves all "
				 "values, or cache compiled modules keyed by the options%s",
				 c->name, c->name,
				 cached
				     ? "; the images came from the program's own cache, yet each "
				       "new value still cost a compile of an empty program with "
				       "its options (CuPy's cache key)"
				 : probes ? "; each new value cost two compiles, an empty program "
					    "with its options first (CuPy's cache key)"
					  : "");
			return;
		}
		c = NULL;
		for (unsigned i = 0; i < ch->nchanges && !c; i++)
			if (kca_change_template_argument(&ch->changes[i]))
				c = &ch->changes[i];
		if (c) { /* a template instantiated at run time, an instance a value */
			char values[256];
			kca_values_summary(c, values, sizeof(values));
			if (kca_change_template_types(ch))
				snprintf(
				    buf, cap,
				    "the program instantiates %s for each type (%s: %s): a "
				    "compile a type, once each, as expected; keep to the types in "
				    "use",
				    f->name, c->name, values);
			else
				snprintf(
				    buf, cap,
				    "the program instantiates %s for each value of its %s (%s), a "
				    "compile each: pass the value as a kernel argument (a template "
				    "argument only for what must be known at compile time, taking "
				    "a few values), or cache compiled modules keyed by it",
				    f->name, c->name, values);
			return;
		}
		if ((c = first_of(ch, KCA_CHANGE_SOURCE)) && kca_change_names_types(c)) {
			char values[256];
			kca_values_summary(c, values, sizeof(values));
			snprintf(
			    buf, cap,
			    "the program writes its source for each type (%s: %s): a compile "
			    "a type, once each, as expected of a generated kernel; keep to the "
			    "types in use",
			    values, c->where);
			return;
		}
		if ((c = first_of(ch, KCA_CHANGE_SOURCE))) {
			snprintf(
			    buf, cap,
			    "the program's source text changes between compiles (%s): each text "
			    "is a compile of its own; pass a value that changes as a kernel "
			    "argument (a type: keep to the types in use), or cache compiled "
			    "modules keyed by the source",
			    c->where);
			return;
		}
		if (cudnn_fix_text(f, buf, cap))
			return;
		snprintf(buf, cap,
			 "compile once and cache the module, keyed by source and options");
		return;
	case KCA_FE_NUMBA: {
		/* numba builds a kernel for each dispatcher (its @cuda.jit object) and argument
		 * type signature: the symbols say which of the two made the variants */
		if (kca_change_numba_types(ch)) {
			c = first_of(ch, KCA_CHANGE_TYPE);
			for (unsigned i = 0; i < ch->nchanges; i++) /* a scalar's, shortest */
				if (ch->changes[i].kind == KCA_CHANGE_TYPE &&
				    strlen(ch->changes[i].values[0]
					       ? ch->changes[i].values[0]
					       : "") < strlen(c->values[0] ? c->values[0] : ""))
					c = &ch->changes[i];
			char values[256];
			kca_values_summary(c, values, sizeof(values));
			snprintf(
			    buf, cap,
			    "numba compiles the kernel once for each argument type signature it "
			    "is called with (%s: %s): a build each, once, as expected; keep to the "
			    "types in use (convert the inputs to one dtype), or list the "
			    "signatures in @cuda.jit(\"void(float32[::1], ...)\") so that they "
			    "are built once, at start-up",
			    c->name, values);
			return;
		}
		unsigned dispatchers = 0; /* variants whose symbol no other variant has */
		for (unsigned v = 0; v < f->nvariants; v++) {
			const char *sym = f->variants[v].symbol;
			int again = 0;
			for (unsigned u = 0; u < v && sym && !again; u++)
				again = f->variants[u].symbol &&
					strcmp(f->variants[u].symbol, sym) == 0;
			dispatchers += sym && !again;
		}
		const struct kca_change *src = first_of(ch, KCA_CHANGE_SOURCE);
		char values[256] = "";
		if (src) {
			char v[200];
			kca_values_summary(src, v, sizeof(v));
			snprintf(values, sizeof(values), " (%s: %s)", src->name, v);
		}
		if (dispatchers >= 2 && dispatchers == f->nvariants && f->def_inside) {
			snprintf(
			    buf, cap,
			    "each build is a new @cuda.jit dispatcher: the kernel is defined "
			    "inside %s (%s), and each call of %s makes another, which numba "
			    "compiles anew, the values it closes over baked in%s; define the "
			    "kernel once, at module level, and pass the value as an argument, or "
			    "keep the dispatchers made, one per value (functools.cache on %s)",
			    f->def_inside, f->def_where, f->def_inside, values, f->def_inside);
			return;
		}
		if (dispatchers >= 2 && dispatchers == f->nvariants) {
			snprintf(buf, cap,
				 "each build is a new @cuda.jit dispatcher%s, %s: numba compiles a "
				 "dispatcher's kernel anew, the values it closes over baked in%s; "
				 "define "
				 "the kernel once, at module level, and pass the value as an "
				 "argument, or "
				 "keep the dispatchers made, one per value (functools.cache on the "
				 "function that makes them)",
				 strstr(f->name, "<locals>")
				     ? " (a kernel defined inside a function)"
				     : "",
				 f->name, values);
			return;
		}
		snprintf(
		    buf, cap,
		    "numba built this kernel again%s: pass what changes as an argument, and keep "
		    "one dispatcher for the run",
		    values);
		return;
	}
	case KCA_FE_COMPILER:
		if ((c = first_of(ch, KCA_CHANGE_DEFINE)))
			snprintf(buf, cap,
				 "-D%s changes per build: pass %s as a kernel argument so that one "
				 "build serves all values, or cache the built module, keyed by the "
				 "compiler's options",
				 c->name, c->name);
		else if ((c = first_of(ch, KCA_CHANGE_PTX)))
			snprintf(
			    buf, cap,
			    "a value compiled into the kernel changes per build (%s): pass it as "
			    "a kernel argument so that one build serves all values, or cache the "
			    "built module, keyed by the compiler's options",
			    c->where);
		else
			snprintf(buf, cap,
				 "the program runs a compiler for each of %u images of %s: build "
				 "once and cache the module, keyed by source and options (see what "
				 "differs: 'kcprof diff %s %s')",
				 f->nvariants, f->name, dir, f->name);
		return;
	case KCA_FE_JAX: {
		/* XLA bakes every shape, dtype and static argument into its kernels: a new
		 * one is a compile of the whole function */
		const char *fun = jax_function(m, f);
		c = first_of(ch, KCA_CHANGE_PTX);
		char values[200] = "";
		if (c) {
			char v[160];
			kca_values_summary(c, v, sizeof(v));
			if (strlen(v) <= 60) /* numbers; a line's worth of code only named */
				snprintf(values, sizeof(values), "; %s: %s", c->name, v);
			else
				snprintf(values, sizeof(values), "; %s differs", c->name);
		}
		if (jax_own_operation(m, f)) {
			snprintf(
			    buf, cap,
			    "%s is an operation of JAX's own (jax.numpy, lax) that the program "
			    "ran outside jax.jit: JAX compiles it as a function of its own, "
			    "again for each new shape of its operands (%u builds of this "
			    "kernel%s). Do it inside the jitted function, or on the host (NumPy) "
			    "before the data goes to the device",
			    fun, f->nvariants, values);
			return;
		}
		snprintf(buf, cap,
			 "jax.jit compiled %s again for each new shape or dtype of its inputs, or "
			 "value of a static argument (%u builds of this kernel%s): XLA builds them "
			 "into its kernels. Pad or bucket the inputs to a few shapes, and pass a "
			 "value that changes as a traced argument, not in static_argnums or "
			 "static_argnames",
			 fun, f->nvariants, values);
		return;
	}
	case KCA_FE_PTX:
		snprintf(buf, cap,
			 "the PTX differs per load (%s): pass what changes as kernel parameters "
			 "and load the "
			 "module once; ship a cubin to skip the driver's JIT",
			 (c = first_of(ch, KCA_CHANGE_PTX)) ? c->where : "constants");
		return;
	default:
		break;
	}
	snprintf(buf, cap,
		 "one kernel name, %u different images: see what differs with 'kcprof diff %s %s' "
		 "and make it a run-time argument",
		 f->nvariants, dir, f->name);
}

/* ---- text report -------------------------------------------------------------------------- */

/* "    fix: text..." wrapped at 100 columns, continuation lines under the text. */
static void print_wrapped(const char *label, const char *text, int indent)
{
	int col = printf("%*s%s", indent, "", label);
	int start = col + 1;
	for (const char *p = text; *p;) {
		while (*p == ' ')
			p++;
		int w = (int)strcspn(p, " ");
		if (!w)
			break;
		if (col >= start && col + 1 + w > 100) {
			printf("\n%*s", start, "");
			col = start;
		} else {
			putchar(' ');
			col++;
		}
		col += printf("%.*s", w, p);
		p += w;
	}
	printf("\n");
}

static void print_process_summary(const struct kca_model *m, unsigned dir)
{
	unsigned cuda = 0, children = 0;
	uint64_t t0 = UINT64_MAX, t1 = 0;
	for (unsigned i = 0; i < m->nprocs; i++) {
		const struct kca_proc *p = &m->procs[i];
		if (p->dir_index != dir)
			continue;
		if (p->role == KC_ROLE_COMPILER)
			children++;
		else
			cuda++;
		if (p->start_ns && p->start_ns < t0)
			t0 = p->start_ns;
		if (p->end_ns > t1)
			t1 = p->end_ns;
	}
	char t[32];
	/* from the recording's start (a compiler child's run may come before the program's
	 * first record), as the times of loads are given */
	uint64_t recorded = m->origin_ns[dir] ? kca_model_recorded_ns(m, dir)
			    : t1 > t0	      ? t1 - t0
					      : 0;
	printf("%u CUDA process%s, %u compiler child%s, %s recorded\n", cuda, cuda == 1 ? "" : "es",
	       children, children == 1 ? "" : "ren", kca_fmt_ns(recorded, t, sizeof(t)));
	/* CUPTI off in every process (record --no-cupti): said once, not under each */
	unsigned off = 0;
	for (unsigned i = 0; i < m->nprocs; i++)
		off += m->procs[i].dir_index == dir && m->procs[i].role != KC_ROLE_COMPILER &&
		       m->procs[i].cupti_off;
	int all_off = cuda > 1 && off == cuda;
	for (unsigned i = 0; i < m->nprocs; i++) {
		const struct kca_proc *p = &m->procs[i];
		if (p->dir_index != dir || p->role == KC_ROLE_COMPILER)
			continue;
		char shown[512];
		const char *cmd =
		    kca_printable(p->cmdline[0] ? p->cmdline : p->exe, shown, sizeof(shown));
		int cut = strlen(cmd) > 100; /* a long command line cut, and said to be */
		printf("  pid %u: %.*s%s%s\n", p->pid, cut ? 97 : 100, cmd, cut ? "..." : "",
		       p->truncated || p->corrupt ? "  [trace damaged: partial]"
		       : p->ended		  ? ""
						  : "  [no end record: killed or still running]");
		if (p->cupti_off && all_off)
			;
		else if (p->cupti_off && p->role != KC_ROLE_COMPILER)
			printf(
			    "    note: recorded without CUPTI (KCPROF_CUPTI=0, record --no-cupti): "
			    "PyTorch eager and torch.compile launches are not all counted\n");
		else if (p->cupti_unseen_from_ns) {
			const char *why = p->cupti_last == KC_CUPTI_UNAVAILABLE
					      ? "CUPTI unavailable (libcupti not found or refused; "
						"KCPROF_CUPTI_LIB "
						"names one)"
					  : p->cupti_last == KC_CUPTI_REFUSED
					      ? "CUPTI held by another tool"
					  : p->cupti_last == KC_CUPTI_RESUMED
					      ? "CUPTI lent to the program's profiler for a while"
					      : "CUPTI lent to the program's profiler";
			char from[48] = "from the start";
			if (p->cupti_unseen_from_ns > p->start_ns)
				snprintf(from, sizeof(from), "from +%s",
					 kca_fmt_ns(p->cupti_unseen_from_ns - p->start_ns, t,
						    sizeof(t)));
			printf("    note: %s %s: PyTorch eager and torch.compile launches are not "
			       "all counted\n",
			       why, from);
		}
		if (p->lost)
			printf("    note: %" PRIu64 " records could not be written (disk full?)\n",
			       p->lost);
	}
	if (all_off)
		printf("  note: each recorded without CUPTI (KCPROF_CUPTI=0, record --no-cupti): "
		       "PyTorch eager and torch.compile launches are not all counted\n");
}

/* "58× its GPU time" or "4.8% of its GPU time": what builds cost against what ran. */
static const char *share(uint64_t part, uint64_t whole, char *buf, size_t cap)
{
	double r = (double)part / (double)(whole ? whole : 1);
	if (r >= 100)
		snprintf(buf, cap, "%.0f×", r);
	else if (r >= 1)
		snprintf(buf, cap, "%.3g×", r);
	else
		snprintf(buf, cap, "%.2g%% of", 100 * r);
	return buf;
}

/* What the kernel did on the GPU (kcprof record --gpu-time): its run time against what its
 * builds cost, and the gaps before it on its stream. */
static void print_gpu_time(const struct kca_family *f, uint64_t cost, int windowed)
{
	if (!f->gpu_count)
		return;
	char t1[32], t2[32], t3[32];
	uint64_t mean = f->gpu_ns / f->gpu_count;
	printf("    %s: %s a run (%s..%s, %" PRIu64 " timed)", windowed ? "whole run's GPU" : "GPU",
	       kca_fmt_ns(mean, t1, sizeof(t1)), kca_fmt_ns(f->gpu_min_ns, t2, sizeof(t2)),
	       kca_fmt_ns(f->gpu_max_ns, t3, sizeof(t3)), f->gpu_count);
	char r[32];
	if (cost && f->gpu_ns)
		printf(": builds and loads took %s its GPU time",
		       share(cost, f->gpu_ns, r, sizeof(r)));
	printf("\n");
	/* The stream's idle time before the kernel, over every run that followed another kernel:
	 * a run that overlapped its predecessor (PDL) waited for nothing and counts as 0, so a
	 * chain with and without PDL compares by this one mean. */
	if (!f->gap_count)
		return;
	uint64_t apart = f->gap_count - f->overlapped;
	printf("    gaps: %s idle on average before it on its stream (%" PRIu64 " runs",
	       kca_fmt_ns(f->gap_ns / f->gap_count, t1, sizeof(t1)), f->gap_count);
	if (f->overlapped && apart)
		printf(": %" PRIu64 " overlapped the previous kernel (PDL), %" PRIu64
		       " waited %s on average",
		       f->overlapped, apart, kca_fmt_ns(f->gap_ns / apart, t2, sizeof(t2)));
	else if (f->overlapped)
		printf(": all overlapped the previous kernel (PDL)");
	printf(")\n");
}

/* The kernel within the report's time window: its new variants, loads and launches there, and
 * what the window's builds and loads cost. */
static void print_family_window(const struct kca_family *f)
{
	char t1[32], t2[32], t3[32];
	printf("    in the window: %u new variant%s, %u load%s", f->win.new_variants,
	       KCA_PLURAL(f->win.new_variants), f->win.loads, KCA_PLURAL(f->win.loads));
	if (f->win.reloads)
		printf(" (%u of an image already loaded)", f->win.reloads);
	printf(", %" PRIu64 " launch%s", f->win.launches, f->win.launches == 1 ? "" : "es");
	if (f->win.loads)
		printf(", at +%s", kca_fmt_ns(f->win.first_rel_ns, t1, sizeof(t1)));
	if (f->win.loads > 1)
		printf(" .. +%s", kca_fmt_ns(f->win.last_rel_ns, t1, sizeof(t1)));
	printf("\n");
	uint64_t cost = f->win.build_ns + f->win.load_ns;
	printf("                   %s building, %s loading",
	       kca_fmt_ns(f->win.build_ns, t1, sizeof(t1)),
	       kca_fmt_ns(f->win.load_ns, t2, sizeof(t2)));
	if (f->win.launches)
		printf(" = %s per launch", per_launch(cost, f->win.launches, t3, sizeof(t3)));
	printf("\n");
	if (f->win.gpu_count) { /* --gpu-time: its runs in the window against those builds */
		char r[32];
		printf("                   GPU: %s a run, %" PRIu64 " timed",
		       kca_fmt_ns(f->win.gpu_ns / f->win.gpu_count, t1, sizeof(t1)),
		       f->win.gpu_count);
		if (cost && f->win.gpu_ns)
			printf(": the window's builds and loads took %s its GPU time there",
			       share(cost, f->win.gpu_ns, r, sizeof(r)));
		printf("\n");
	}
}

static void print_sites(const char *lead, const struct kca_call_site *s, unsigned all,
			const char *what)
{
	unsigned n = all < 3 ? all : 3;
	char site[1024];
	for (unsigned i = 0; i < n; i++)
		printf("%s%s (%u %s%s)", i ? ", " : lead,
		       kca_site_text(s[i].where, s[i].func, site, sizeof(site)), s[i].count, what,
		       KCA_PLURAL(s[i].count));
	if (all > n)
		printf(", and %u more", all - n);
	if (n)
		printf("\n");
}

/* "called from serve.py:62 in step (8 loads)": the program's lines its loads came from, where
 * the trace has their frames (Python's, or the return addresses of a native program); then,
 * for a family of NVRTC or link builds, the lines that asked for the builds, where they are
 * other lines ("compiled from client.c:129 in compile_ptx (5 compiles)"). */
static void print_call_sites(struct kca_model *m, const struct kca_family *f)
{
	struct kca_call_site s[3], b[3];
	unsigned all = kca_family_call_sites(m, f, s, 3);
	print_sites("    called from ", s, all, "load");
	unsigned ball = kca_family_compile_sites(m, f, b, 3);
	if (ball && (!all || strcmp(b[0].where, s[0].where) || strcmp(b[0].func, s[0].func)))
		print_sites("    compiled from ", b, ball, "compile");
}

/* With a time window: the values of the variants first loaded in it ("new in the window:
 * 3, 5, 6, 7"), the ones a warm-up missed. */
static void print_window_values(const struct kca_family *f, const struct kca_change *c)
{
	unsigned shown = 0;
	for (unsigned v = 0; v < f->nvariants && v < c->nvalues; v++) {
		if (!f->variants[v].first_in_window || !c->values[v])
			continue;
		int seen = 0; /* once each */
		for (unsigned w = 0; w < v && !seen; w++)
			seen = f->variants[w].first_in_window && c->values[w] &&
			       strcmp(c->values[w], c->values[v]) == 0;
		if (seen)
			continue;
		if (shown == 8) {
			printf(", ...");
			break;
		}
		printf("%s%s", shown++ ? ", " : "             new in the window: ", c->values[v]);
	}
	if (shown)
		printf("\n");
}

/* A kernel's name as headings give it: demangled whole (a long symbol, cut first, would not
 * be), then made printable. */
static const char *kernel_shown(const char *symbol, char *buf, size_t cap)
{
	char demangled[1024];
	kca_kernel_display_name(symbol, demangled, sizeof(demangled));
	return kca_printable(demangled, buf, cap);
}

/* The model's kernels' names as listings give them (kca_kernel_names), where some module has
 * more than one kernel reloaded with it (print_module_mates names them); else NULL. */
static struct kca_kernel_names *mate_names(const struct kca_model *m)
{
	unsigned i = 0;
	while (i < m->nfamilies && m->families[i].module_mate < 0)
		i++;
	if (i == m->nfamilies)
		return NULL;
	struct kca_kernel_names *names = kca_kernel_names_new();
	for (i = 0; i < m->nfamilies; i++)
		kca_kernel_names_add(names, m->families[i].name);
	return names;
}

/* A module reloaded again and again is one problem, said on its first kernel: the others
 * (module_mate), loaded with it each time, named in a line with their launches (in the
 * window, with one), and given no entry of their own. By their symbols where two names read
 * alike: what 'kcprof diff' takes. */
static void print_module_mates(const struct kca_model *m, struct kca_kernel_names *names,
			       const struct kca_family *f)
{
	unsigned n = kca_family_module_mates(m, f);
	if (!n)
		return;
	if (n == 1)
		printf("    its module's other kernel, loaded with it each time: ");
	else
		printf("    its module's %u other kernels, loaded with it each time: ", n);
	unsigned shown = 0;
	for (int j = f->next_module_mate; j >= 0 && shown < 5;
	     j = m->families[j].next_module_mate, shown++) {
		const struct kca_family *g = &m->families[j];
		uint64_t launches = m->windowed ? g->win.launches : g->launches;
		printf("%s%s (%" PRIu64 " launch%s%s)", shown ? ", " : "",
		       kca_kernel_name(names, g->name), launches, launches == 1 ? "" : "es",
		       m->windowed ? " in the window" : "");
	}
	if (n > shown)
		printf(" and %u more", n - shown);
	printf("\n");
}

static void print_family(struct kca_model *m, struct kca_kernel_names *names,
			 const struct kca_family *f, unsigned rank)
{
	char t1[32], t2[32], t3[32], buf[1024];
	char name[1024], shown[1024];
	kca_printable(f->name, name, sizeof(name));
	/* a C++ kernel by its name ("at::native::reduce_kernel<…>"), its symbol below: what
	 * 'kcprof diff' and JSON take */
	kernel_shown(f->name, shown, sizeof(shown));
	printf("\n%2u. %s  [%s]  %s\n", rank, shown, kca_front_end_name(f->front_end),
	       kca_verdict_name(f->verdict));
	if (strcmp(shown, name) != 0)
		printf("    symbol %s\n", name);
	print_module_mates(m, names, f);
	if (m->windowed)
		print_family_window(f);
	printf("    %s%u variant%s in %u load%s", m->windowed ? "whole run: " : "", f->nvariants,
	       f->nvariants == 1 ? "" : "s", f->loads, f->loads == 1 ? "" : "s");
	char loaders[96]; /* a load a process, or a process's device, is no reload */
	printf("%s", kca_family_loaders(f, loaders, sizeof(loaders)));
	if (f->reloads)
		printf(" (%u of an image already loaded)", f->reloads);
	printf(", %" PRIu64 " launch%s", f->launches, f->launches == 1 ? "" : "es");
	if (f->graph_runs)
		printf(" (%" PRIu64 " in CUDA graph replays)", f->graph_runs);
	const char *made = saw_build(f) ? "build" : "image";
	if (f->prebuilt_copies)
		printf(": images of the program's libraries, none built at run time");
	else if (f->nvariants >= 2 && f->launches && f->launches < f->nvariants)
		printf(": more %ss than launches", made);
	else if (f->nvariants >= 3 && f->launches && f->launches <= f->nvariants + f->nvariants / 4)
		printf(": a new %s for %severy launch", made,
		       f->launches == f->nvariants ? "" : "almost ");
	printf("\n");
	/* When: builds that go on after a server's warm-up are the ones to fix first (report
	 * --since then shows them alone). */
	if (!m->windowed && f->loads && f->first_ns >= m->origin_ns[0]) {
		char t4[32]; /* loads within the shown precision of one another: one time */
		kca_fmt_ns(f->first_ns - m->origin_ns[0], t1, sizeof(t1));
		kca_fmt_ns(f->last_ns - m->origin_ns[0], t4, sizeof(t4));
		int one = f->loads == 1 || strcmp(t1, t4) == 0;
		printf("    %s +%s", one ? "loaded at" : "loads from", t1);
		if (!one)
			printf(" to +%s", t4);
		printf(" of the recording\n");
	}
	print_call_sites(m, f);
	uint64_t cost = f->build_ns + f->load_ns;
	child_summary(m, f, buf, sizeof(buf));
	/* The driver JIT-compiles PTX inside the load: that is build time a load reports. */
	int jit = 0;
	for (unsigned v = 0; v < f->nvariants; v++)
		jit |= f->variants[v].kind == KC_IMAGE_PTX;
	printf("    %s: %s building%s%s%s, %s loading%s", m->windowed ? "whole run's cost" : "cost",
	       kca_fmt_ns(f->build_ns, t1, sizeof(t1)), buf[0] ? " (" : "", buf, buf[0] ? ")" : "",
	       kca_fmt_ns(f->load_ns, t2, sizeof(t2)), jit ? " (the driver's PTX JIT)" : "");
	if (f->launches)
		printf(" = %s per launch", per_launch(cost, f->launches, t3, sizeof(t3)));
	printf("\n");
	print_gpu_time(f, cost, m->windowed);
	if (f->attrs & (1ull << 6))
		printf("    launches use PDL (programmatic dependent launch)\n");
	const struct kca_changes *ch = kca_family_changes(m, f);
	for (unsigned i = 0; i < ch->nchanges && i < 6; i++) {
		const struct kca_change *c = &ch->changes[i];
		kca_values_summary(c, buf, sizeof(buf));
		const char *kind = c->is_param			  ? "tl.constexpr"
				   : kca_change_names_build(c)	  ? "-D option, the build's name"
				   : c->kind == KCA_CHANGE_DEFINE ? "-D option"
								  : kca_change_kind_name(c->kind);
		printf("    %s %s (%s): %s", i ? "        " : "changed:", c->name, kind, buf);
		if (c->kind == KCA_CHANGE_CONSTANT && f->nvariants >= 2 && f->launches &&
		    f->launches <= f->nvariants + f->nvariants / 4)
			printf(", a new one every call");
		printf("\n");
		if (m->windowed)
			print_window_values(f, c);
		if (c->where[0])
			printf("             %s %s\n",
			       c->kind == KCA_CHANGE_PTX || c->kind == KCA_CHANGE_SOURCE ? "in"
											 : "at",
			       c->where);
	}
	if (ch->nchanges && ch->kernel_def[0])
		printf("             in def %s at %s\n", ch->kernel_def, ch->def_where);
	if (!ch->nchanges && f->nvariants >= 2 && !f->prebuilt_copies) {
		const char *what =
		    ch->same_entry && !ch->same_ptx
			? "nothing in this kernel's PTX: another kernel of its module changed"
		    : ch->same_code ? "nothing in the code: the images carry the same PTX and "
				      "machine code"
		    : ch->same_ptx  ? "the same PTX (debug lines aside); the machine code differs"
				   : "(no source or IR to compare: 'kcprof diff' shows the images)";
		printf("    changed: %s\n", what);
	}
	kca_fix_text(m, f, ch, buf, sizeof(buf));
	if (buf[0])
		print_wrapped("fix:", buf, 4);
}

/* "window: +60.00 s to the end (+121.30 s)": where the report's time window lies in the
 * recording of directory d. */
/* The kernels a report lists (with a window, those built or loaded in it worth a look; else
 * those flagged; with all, every one), worst first, at most top entries. A module's other
 * kernels (module_mate) are said in its first kernel's entry and get none. Returns how many
 * listed kernels were said, in an entry or in their module's. */
static unsigned print_families(struct kca_model *m, int all, unsigned top)
{
	unsigned shown = 0, said = 0;
	char *printed = kca_xcalloc(m->nfamilies + 1, 1);
	struct kca_kernel_names *names = mate_names(m);
	for (unsigned i = 0; i < m->nfamilies; i++) {
		const struct kca_family *f = &m->families[i];
		int listed = m->windowed ? kca_family_built_in_window(f) : f->verdict != KCA_FINE;
		if (f->module_mate >= 0) {
			said += listed && printed[f->module_mate];
		} else if ((all || listed) && shown < top) {
			print_family(m, names, f, ++shown);
			printed[i] = 1;
			said += listed;
		}
	}
	free(printed);
	kca_kernel_names_free(names);
	return said;
}

static void print_window(const struct kca_model *m, unsigned d)
{
	char t1[32], t2[32];
	uint64_t recorded = kca_model_recorded_ns(m, d);
	if (m->window.since_ns)
		printf("window: from +%s ", kca_fmt_ns(m->window.since_ns, t1, sizeof(t1)));
	else
		printf("window: from the start ");
	if (m->window.until_ns)
		printf("to +%s", kca_fmt_ns(m->window.until_ns, t1, sizeof(t1)));
	else
		printf("to the end");
	printf(", of %s recorded%s\n", kca_fmt_ns(recorded, t2, sizeof(t2)),
	       m->window.since_ns >= recorded ? ": the window holds nothing" : "");
}

static void print_problems(const struct kca_model *m);
static void print_unloaded_compiles(struct kca_model *m);

/* With a time window: the autotuned kernels whose every config still ran in it, benchmarked
 * again (kca_family_retuned): they build and load nothing there, so the list above leaves
 * them out, though their benchmark is what a server pays after its warm-up. */
static void print_retuned_in_window(struct kca_model *m)
{
	for (unsigned i = 0; i < m->nfamilies; i++) {
		const struct kca_family *f = &m->families[i];
		if (kca_family_retuned_in_window(m, f))
			printf("\n%s: its autotuner benchmarked its %u configs again in the window "
			       "(%" PRIu64
			       " launches there; each config ran there): 'kcprof report' "
			       "without --since says why and what to do\n",
			       f->name, f->nvariants, f->win.launches);
	}
}

/* With a time window: every kernel built within it, or loaded there in a way worth a look
 * (kca_family_built_in_window: families sort those first), then what else loaded or ran in
 * it. */
static void report_window_kernels(struct kca_model *m, const struct kca_totals *t, int all,
				  unsigned top)
{
	unsigned built = 0, prebuilt = 0, launched = 0;
	uint64_t prebuilt_ns = 0;
	for (unsigned i = 0; i < m->nfamilies; i++) {
		const struct kca_family *f = &m->families[i];
		if (kca_family_built_in_window(f)) {
			built++;
		} else if (f->win.loads) {
			prebuilt++;
		} else {
			launched += f->win.launches > 0;
		}
	}
	printf("%u kernel%s built or reloaded in the window, %u with recompilation churn%s\n",
	       built, KCA_PLURAL(built), t->churn, built ? "; worst first:" : "");
	unsigned said = print_families(m, all, top);
	if (built > said)
		printf("\n%u more kernel%s built or reloaded in the window, not shown (--top %u)\n",
		       built - said, KCA_PLURAL(built - said), top);
	/* their loads' time, each load once (a module of many kernels is one load), a load
	 * counting where any of its kernels is one of them */
	struct kca_family_name *index = prebuilt ? kca_family_index(m) : NULL;
	for (unsigned i = 0; index && i < m->nloads; i++) {
		const struct kca_load *l = &m->loads[i];
		for (unsigned n = 0; l->in_window && l->result == 0 && n < l->nnames; n++) {
			const struct kca_family *f = kca_family_named(index, l->names[n]);
			if (f && f->win.loads && !kca_family_built_in_window(f)) {
				prebuilt_ns += l->duration_ns;
				break;
			}
		}
	}
	kca_family_index_free(index);
	char t1[32];
	if (!all && prebuilt)
		printf("\n%u prebuilt kernel%s first loaded in the window (the CUDA runtime's lazy "
		       "loading, a program's cubin): %s in their loads (--all lists them)\n",
		       prebuilt, KCA_PLURAL(prebuilt), kca_fmt_ns(prebuilt_ns, t1, sizeof(t1)));
	if (!all && launched)
		printf("\n%u kernel%s launched in the window on builds from before it (--all "
		       "lists them)\n",
		       launched, KCA_PLURAL(launched));
	print_retuned_in_window(m);
	print_unloaded_compiles(m);
	print_problems(m);
}

static void report_text(struct kca_model *m, int all, unsigned top)
{
	for (unsigned d = 0; d < m->ndirs; d++) {
		printf("kcprof report: %s\n", m->dirs[d]);
		print_process_summary(m, d);
		if (m->windowed)
			print_window(m, d);
	}
	struct kca_totals t;
	kca_model_window_totals(m, &t);
	char t1[32], t2[32];
	char failed[48] = ""; /* loads the driver refused: time spent, nothing loaded */
	if (t.failed_loads)
		snprintf(failed, sizeof(failed), ", %u failed", t.failed_loads);
	printf("\n%sbuilds %s (%u compile%s), loads %s (%u load%s%s%s), launches %" PRIu64 "\n",
	       m->windowed ? "in the window: " : "", kca_fmt_ns(t.build, t1, sizeof(t1)),
	       t.ncompiles, t.ncompiles == 1 ? "" : "s", kca_fmt_ns(t.load, t2, sizeof(t2)),
	       t.nloads, t.nloads == 1 ? "" : "s", failed,
	       t.ptx_loads ? ", the driver's PTX JIT included" : "", t.launches);
	if (t.unnamed_launches)
		printf("%" PRIu64
		       " more launch%s of functions kcprof could not name (taken where no "
		       "hook saw them, without CUPTI): they count for no kernel\n",
		       t.unnamed_launches, t.unnamed_launches == 1 ? "" : "es");
	if (t.launch_errors)
		printf("%" PRIu64
		       " launch%s of a function no load named (NULL) refused by the driver: "
		       "no kernel's\n",
		       t.launch_errors, t.launch_errors == 1 ? "" : "es");
	if (t.unnamed)
		printf("%u load%s (%s) of %s whose kernels kcprof could not name (not stored "
		       "in the trace, and no function taken from %s): they count for no kernel\n",
		       t.unnamed, KCA_PLURAL(t.unnamed), kca_fmt_ns(t.unnamed_load, t1, sizeof(t1)),
		       t.unnamed == 1 ? "an image" : "images", t.unnamed == 1 ? "it" : "them");
	if ((t.graphs || t.captures) && m->windowed) { /* graphs made when: not counted */
		printf("CUDA graphs: %" PRIu64 " launch%s in the window ran %" PRIu64
		       " kernels, counted as launches",
		       t.graph_launches, t.graph_launches == 1 ? "" : "es", t.graph_runs);
		if (t.captured)
			printf(" (the %" PRIu64 " launched into stream captures are not)",
			       t.captured);
		printf("\n");
	} else if (t.graphs || t.captures) {
		printf("CUDA graphs: %" PRIu64 " launch%s of %u graph%s ran %" PRIu64
		       " kernels, counted as launches",
		       t.graph_launches, t.graph_launches == 1 ? "" : "es", t.graphs,
		       t.graphs == 1 ? "" : "s", t.graph_runs);
		if (t.captured)
			printf(" (the %" PRIu64 " launched into %u stream capture%s are not)",
			       t.captured, t.captures_applied, t.captures_applied == 1 ? "" : "s");
		if (t.graphs_unseen)
			printf("; %u graph%s made where kcprof could not list the kernels: their "
			       "runs are not counted",
			       t.graphs_unseen, t.graphs_unseen == 1 ? "" : "s");
		if (t.graphs_incomplete)
			printf("; %u graph%s with kernels kcprof could not all count (conditional "
			       "nodes, or nodes it could not read)",
			       t.graphs_incomplete, t.graphs_incomplete == 1 ? "" : "s");
		printf("\n");
	}
	struct kca_totals whole;
	kca_model_totals(m, &whole);
	if (t.gpu_runs || (m->windowed && whole.gpu_runs)) { /* a window's: by the flushes */
		char r[32];
		printf("GPU time %s%s (%" PRIu64 " kernel runs timed)",
		       m->windowed ? "in the window " : "", kca_fmt_ns(t.gpu_ns, t1, sizeof(t1)),
		       t.gpu_runs);
		if (t.gpu_ns)
			printf(": %sbuilds and loads took %s it",
			       m->windowed ? "the window's " : "",
			       share(t.build + t.load, t.gpu_ns, r, sizeof(r)));
		printf("\n");
		/* kernel records come from CUPTI in buffers, later than the launches, and stop
		 * where it was handed to the program's profiler: a window counts them by when they
		 * came */
		if (m->windowed &&
		    (t.gpu_runs * 10 < t.launches * 9 || t.gpu_runs * 9 > t.launches * 10))
			printf(
			    "  (%" PRIu64 " runs timed against %" PRIu64 " launches in the window: "
			    "kernel times come from CUPTI in batches, counted when they came, and "
			    "not at all where it was handed to the program's profiler)\n",
			    t.gpu_runs, t.launches);
	}
	/* What launch latency and PDL decide: how long streams sat idle between their kernels. */
	if (t.gap_runs)
		printf("streams idle between kernels%s %s, %s a run (%" PRIu64 " runs; %" PRIu64
		       " overlapped their predecessor through PDL)\n",
		       m->windowed ? " in the window" : "", kca_fmt_ns(t.gap_ns, t1, sizeof(t1)),
		       kca_fmt_ns(t.gap_ns / t.gap_runs, t2, sizeof(t2)), t.gap_runs, t.overlapped);
	if (m->windowed) {
		report_window_kernels(m, &t, all, top);
		return;
	}
	printf("%u kernel%s, %u with recompilation churn%s\n", m->nfamilies,
	       m->nfamilies == 1 ? "" : "s", t.churn, t.churn ? "; worst first:" : "");
	unsigned flagged = 0, fine = 0;
	for (unsigned i = 0; i < m->nfamilies; i++) {
		fine += m->families[i].verdict == KCA_FINE;
		flagged += m->families[i].verdict != KCA_FINE;
	}
	unsigned said = print_families(m, all, top);
	if (!all && flagged > said)
		printf(
		    "\n%u more kernel%s flagged, not shown (--top %u; --all lists every kernel)\n",
		    flagged - said, flagged - said == 1 ? "" : "s", top);
	if (!all && fine)
		printf(
		    "\n%u kernel%s neither rebuilt nor loaded again and again: fine (--all lists "
		    "them)\n",
		    fine, fine == 1 ? "" : "s");
	print_unloaded_compiles(m);
	print_problems(m);
}

/* Builds whose output the run never loaded, by tool and program name, worst first. */
static void print_unloaded_compiles(struct kca_model *m)
{
	struct kca_compile_group *g;
	unsigned n = kca_unloaded_compiles(m, &g);
	if (n)
		printf("\ncompiled but never loaded%s:\n", m->windowed ? " (in the window)" : "");
	for (unsigned i = 0; i < n && i < 10; i++) {
		char t[32], site[1024];
		const char *name = g[i].name[0] ? g[i].name : "?", *tool = tool_label(g[i].tool);
		if (strcmp(name, tool) == 0) /* cuLink's builds have no name of their own */
			printf("  %s %u×, %s", name, g[i].count, kca_fmt_ns(g[i].ns, t, sizeof(t)));
		else
			printf("  %s (%s) %u×, %s", name, tool, g[i].count,
			       kca_fmt_ns(g[i].ns, t, sizeof(t)));
		if (g[i].failed)
			printf(", %u failed", g[i].failed);
		if (g[i].nsites)
			printf(", compiled from %s%s",
			       kca_site_text(g[i].site.where, g[i].site.func, site, sizeof(site)),
			       g[i].nsites > 1 ? " and elsewhere" : "");
		printf("\n");
		if (g[i].changed[0])
			printf("    changed: %s\n", g[i].changed);
	}
	if (n > 10)
		printf("  and %u more\n", n - 10);
	free(g);
}

static void print_problems(const struct kca_model *m)
{
	if (m->problems)
		printf("\n%" PRIu64 " problem%s reading the traces (see the warnings above): the "
		       "report covers what was readable\n",
		       m->problems, m->problems == 1 ? "" : "s");
	else if (!m->nprocs) /* no *.kct there (a directory of something else, or empty) */
		printf("\nno trace read (see the warnings above): nothing to report\n");
}

/* ---- comparison of runs -------------------------------------------------------------------- */

#define COMPARE_NAME_WIDTH 40
#define COMPARE_CELL_WIDTH 54 /* a run's column: variants, loads, build+load, verdict */

/* Characters of a UTF-8 string, as a terminal's columns (continuation bytes take none: "µs"
 * is two columns, "<…>" three). */
static int text_columns(const char *s)
{
	int cols = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		cols += (*p & 0xC0) != 0x80;
	return cols;
}

/* s in a field of width columns, right-aligned or left */
static void print_field(const char *s, int width, int right)
{
	int cols = text_columns(s);
	int pad = width > cols ? width - cols : 0;
	printf("%*s%s%*s", right ? pad : 0, "", s, right ? 0 : pad, "");
}

/* Where a UTF-8 string's character number `chars` begins (its end where it has fewer). */
static const char *past_columns(const char *s, int chars)
{
	const unsigned char *p = (const unsigned char *)s;
	for (int cols = 0; *p; p++)
		if ((*p & 0xC0) != 0x80 && cols++ == chars)
			break;
	return (const char *)p;
}

/* A kernel's name in the comparison's first column: a longer one cut in its middle, between
 * characters ("_ZN4serv6detail23a_ker...e_ILi4EEEvPf"), so that names that differ at their
 * ends (template arguments) still differ. */
static void print_name_column(const char *name)
{
	int cols = text_columns(name);
	if (cols <= COMPARE_NAME_WIDTH) {
		print_field(name, COMPARE_NAME_WIDTH, 0);
		return;
	}
	const int tail = 15, head = COMPARE_NAME_WIDTH - 3 - tail;
	const char *cut = past_columns(name, head), *rest = past_columns(name, cols - tail);
	printf("%.*s...%s", (int)(cut - name), name, rest);
}

/* One row of the runs' totals: a label, then each run's value. */
static void print_totals_row(const char *label, char values[][64], unsigned ndirs)
{
	printf("%-*s", COMPARE_NAME_WIDTH, label);
	for (unsigned d = 0; d < ndirs; d++) {
		printf(" | ");
		print_field(values[d], d + 1 < ndirs ? COMPARE_CELL_WIDTH : 0, 0);
	}
	printf("\n");
}

static int report_compare(char **dirs, unsigned ndirs, const struct kca_window *w, int all,
			  unsigned top)
{
	struct kca_model *ms = kca_xcalloc(ndirs, sizeof(*ms));
	int rc = 0;
	for (unsigned d = 0; d < ndirs; d++) {
		if (kca_model_load_window(&ms[d], &dirs[d], 1, w) <= 0) {
			fprintf(stderr,
				"kcprof report: %s: no readable trace: nothing to compare\n",
				dirs[d]);
			rc = 1;
		}
		kca_model_families(&ms[d]);
	}
	if (rc) {
		for (unsigned d = 0; d < ndirs; d++)
			kca_model_free(&ms[d]);
		free(ms);
		return rc;
	}
	printf("kcprof report: comparing %u runs\n", ndirs);
	for (unsigned d = 0; d < ndirs; d++)
		printf("  [%c] %s\n", 'A' + d, dirs[d]);
	if (w) {
		char t1[32], t2[32];
		printf("within the window from +%s to %s%s of each run: new variants, loads and "
		       "their cost there\n",
		       kca_fmt_ns(w->since_ns, t1, sizeof(t1)), w->until_ns ? "+" : "the end",
		       w->until_ns ? kca_fmt_ns(w->until_ns, t2, sizeof(t2)) : "");
	}
	printf("\n%-*s", COMPARE_NAME_WIDTH, "kernel");
	for (unsigned d = 0; d < ndirs; d++)
		printf(" | [%c] variants  loads   build+load  verdict             ", 'A' + d);
	printf("\n");
	/* every family flagged in any run, in the first run's order then the others' */
	struct kca_family_name **by_name = kca_xcalloc(ndirs, sizeof(*by_name));
	for (unsigned d = 0; d < ndirs; d++)
		by_name[d] = kca_family_index(&ms[d]);
	const char **rows = NULL;
	unsigned nrows = 0, cap_rows = 0;
	for (unsigned d = 0; d < ndirs; d++) {
		for (unsigned i = 0; i < ms[d].nfamilies; i++) {
			const char *name = ms[d].families[i].name;
			int seen_before = 0, interesting = 0;
			for (unsigned e = 0; e < d && !seen_before; e++)
				seen_before = kca_family_named(by_name[e], name) != NULL;
			for (unsigned e = 0; e < ndirs; e++) {
				const struct kca_family *f = kca_family_named(by_name[e], name);
				interesting |= f && (all || (w ? kca_family_built_in_window(f)
							       : f->verdict != KCA_FINE));
			}
			if (seen_before || !interesting)
				continue;
			KCA_GROW(rows, nrows, cap_rows);
			rows[nrows++] = name;
		}
	}
	/* C++ kernels by their names, as the headings give them (by their symbols where two
	 * kernels of the runs read alike) */
	struct kca_kernel_names *names = kca_kernel_names_new();
	for (unsigned d = 0; d < ndirs; d++)
		for (unsigned i = 0; i < ms[d].nfamilies; i++)
			kca_kernel_names_add(names, ms[d].families[i].name);
	for (unsigned r = 0; r < nrows && r < top; r++) {
		const char *name = rows[r];
		print_name_column(kca_kernel_name(names, name));
		for (unsigned e = 0; e < ndirs; e++) {
			const struct kca_family *f = kca_family_named(by_name[e], name);
			char t[32];
			if (f) { /* in a window: its new variants, loads and cost there */
				printf(" | %12u %6u ", w ? f->win.new_variants : f->nvariants,
				       w ? f->win.loads : f->loads);
				uint64_t cost =
				    w ? f->win.build_ns + f->win.load_ns : f->build_ns + f->load_ns;
				print_field(kca_fmt_ns(cost, t, sizeof(t)), 12, 1);
				printf("  %-20s", kca_verdict_name(f->verdict));
			} else
				printf(" | %12s %6s %12s  %-20s", "-", "-", "-", "(absent)");
		}
		printf("\n");
	}
	if (nrows > top)
		printf("(%u more kernel%s, not shown: --top %u)\n", nrows - top,
		       KCA_PLURAL(nrows - top), top);
	kca_kernel_names_free(names);
	free(rows);
	for (unsigned d = 0; d < ndirs; d++)
		kca_family_index_free(by_name[d]);
	free(by_name);
	if (!nrows)
		printf(w ? "(no kernel built or loaded in the window in any run)\n"
			 : "(no kernel rebuilt or reloaded in any run)\n");
	/* the runs' totals, with their GPU time and idle gaps where they were recorded */
	char(*v)[64] = kca_xcalloc(ndirs, sizeof(*v));
	struct kca_totals *t = kca_xcalloc(ndirs, sizeof(*t));
	int gpu = 0, gaps = 0;
	for (unsigned d = 0; d < ndirs; d++) {
		kca_model_window_totals(&ms[d], &t[d]);
		gpu |= t[d].gpu_runs > 0;
		gaps |= t[d].gap_runs > 0;
	}
	char a[32], b[32];
	printf("\n");
	for (unsigned d = 0; d < ndirs; d++) {
		/* in a window, its kernels (built or reloaded there: the single report's count),
		 * and a run that ended before it */
		unsigned built = 0;
		for (unsigned i = 0; w && i < ms[d].nfamilies; i++)
			built += kca_family_built_in_window(&ms[d].families[i]);
		uint64_t recorded = kca_model_recorded_ns(&ms[d], 0);
		if (w && ms[d].window.since_ns >= recorded)
			snprintf(v[d], sizeof(v[d]), "none: the run ended at +%s",
				 kca_fmt_ns(recorded, a, sizeof(a)));
		else if (w)
			snprintf(v[d], sizeof(v[d]), "%u built or reloaded, %u with churn", built,
				 t[d].churn);
		else
			snprintf(v[d], sizeof(v[d]), "%u kernel%s, %u with churn", ms[d].nfamilies,
				 KCA_PLURAL(ms[d].nfamilies), t[d].churn);
	}
	print_totals_row(w ? "kernels in the window" : "kernels", v, ndirs);
	for (unsigned d = 0; d < ndirs; d++)
		snprintf(v[d], sizeof(v[d]), "%s + %s", kca_fmt_ns(t[d].build, a, sizeof(a)),
			 kca_fmt_ns(t[d].load, b, sizeof(b)));
	print_totals_row("builds + loads", v, ndirs);
	for (unsigned d = 0; d < ndirs; d++)
		snprintf(v[d], sizeof(v[d]), "%" PRIu64, t[d].launches);
	print_totals_row("launches", v, ndirs);
	if (gpu) {
		for (unsigned d = 0; d < ndirs; d++) {
			struct kca_totals
			    whole; /* recorded without --gpu-time: no figure, as idle */
			kca_model_totals(&ms[d], &whole);
			if (whole.gpu_runs)
				snprintf(v[d], sizeof(v[d]), "%s (%" PRIu64 " runs)",
					 kca_fmt_ns(t[d].gpu_ns, a, sizeof(a)), t[d].gpu_runs);
			else
				snprintf(v[d], sizeof(v[d]), "-");
		}
		print_totals_row("GPU time", v, ndirs);
	}
	if (gaps) {
		for (unsigned d = 0; d < ndirs; d++)
			snprintf(v[d], sizeof(v[d]),
				 t[d].gap_runs ? "%s a run (%" PRIu64 " of %" PRIu64 " overlapped)"
					       : "-",
				 kca_fmt_ns(t[d].gap_runs ? t[d].gap_ns / t[d].gap_runs : 0, a,
					    sizeof(a)),
				 t[d].overlapped, t[d].gap_runs);
		print_totals_row("streams idle between kernels", v, ndirs);
	}
	free(t);
	free(v);
	for (unsigned d = 0; d < ndirs; d++)
		kca_model_free(&ms[d]);
	free(ms);
	return 0;
}

/* --top's count: a whole number, 0 or more. */
static int parse_top(const char *arg, unsigned *top)
{
	char *end;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (!*arg || *end || errno || v < 0 || v > (long)UINT32_MAX) {
		fprintf(stderr, "kcprof report: --top takes a count >= 0, not '%s'\n", arg);
		return -1;
	}
	*top = (unsigned)v;
	return 0;
}

KCA_COMMAND(report)
{
	enum { OPT_SINCE = 256, OPT_UNTIL };
	static const struct option longopts[] = {{"json", no_argument, NULL, 'j'},
						 {"all", no_argument, NULL, 'a'},
						 {"top", required_argument, NULL, 't'},
						 {"since", required_argument, NULL, OPT_SINCE},
						 {"until", required_argument, NULL, OPT_UNTIL},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	int json = 0, all = 0;
	unsigned top = 10;
	int top_given = 0; /* a comparison has every flagged kernel a row unless asked */
	const char *since = NULL, *until = NULL;
	optind = 1;
	int opt;
	while ((opt = getopt_long(argc, argv, "jat:h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_SINCE:
			since = optarg;
			break;
		case OPT_UNTIL:
			until = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'a':
			all = 1;
			break;
		case 't':
			if (parse_top(optarg, &top) < 0)
				return 2;
			top_given = 1;
			break;
		case 'h':
			return kca_usage(usage, 0);
		default:
			return kca_usage(usage, 2);
		}
	}
	if (all) /* every kernel, whatever --top said before or after it (as --json) */
		top = UINT32_MAX;
	struct kca_window window;
	if (kca_window_options("report", since, until, &window) < 0)
		return 2;
	const struct kca_window *w = since || until ? &window : NULL;
	unsigned ndirs;
	char **dirs = kca_dir_args(argc, argv, optind, &ndirs);
	if (ndirs > 1 && !json)
		return report_compare(dirs, ndirs, w, all, top_given || all ? top : UINT32_MAX);
	struct kca_model m;
	int found = kca_model_load_window(&m, dirs, ndirs, w);
	if (found < 0) {
		kca_model_free(&m);
		return 1;
	}
	if (found == 0 && !m.problems && !json) { /* nothing there: said, no zeroed report */
		fprintf(stderr,
			"kcprof report: no trace read in %s%s (see the warning above): nothing to "
			"report\n",
			dirs[0], ndirs > 1 ? " and the others" : "");
		kca_model_free(&m);
		return 1;
	}
	kca_model_families(&m);
	struct kca_model *runs = NULL;
	int rc = found == 0 ? 1 : 0;
	if (json && ndirs > 1) { /* each run on its own too, for its totals */
		runs = kca_xcalloc(ndirs, sizeof(*runs));
		int level = kc_log_level;
		kc_log_level = KC_LOG_ERROR; /* its warnings were said by the merged load */
		for (unsigned d = 0; d < ndirs; d++) {
			if (kca_model_load_window(&runs[d], &dirs[d], 1, w) <= 0) {
				fprintf(stderr, "kcprof report: %s: no readable trace\n", dirs[d]);
				rc = 1; /* as the text comparison: a run without one fails */
			}
			kca_model_families(&runs[d]);
		}
		kc_log_level = level;
	}
	if (json)
		kca_report_json(&m, stdout, all ? UINT32_MAX : top, runs, runs ? ndirs : 0);
	else
		report_text(&m, all, top);
	for (unsigned d = 0; runs && d < ndirs; d++)
		kca_model_free(&runs[d]);
	free(runs);
	kca_model_free(&m);
	return rc;
}
