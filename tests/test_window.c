/* test_window.c - report and check --since/--until: a time window of a recording. Exact counts
 * on a trace written here with known times (loads, compiles, launch counts flushed at known
 * moments, a CUDA graph's launches and a capture), and on every trace recorded on the H100 a
 * window and the rest of the run adding up to the whole. Also what other written traces must
 * read as, exactly: a library and its lazy module at their call sites, who holds CUPTI. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../analyzer/kca.h"
#include "../analyzer/model.h"
#include "../common/kc_record.h"
#include "kct.h"

#define SEC 1000000000ull
#define ORIGIN (1000 * SEC) /* the written trace's start (CLOCK_MONOTONIC) */

Test(window, times_on_the_command_line)
{
	static const struct {
		const char *arg;
		uint64_t ns;
	} good[] = {{"90", 90 * SEC},	  {"90s", 90 * SEC},  {"1.5m", 90 * SEC},
		    {"1.5min", 90 * SEC}, {"500ms", SEC / 2}, {"250us", 250000},
		    {"2h", 7200 * SEC},	  {"0", 0},	      {"0.000000001", 1}};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		uint64_t ns = 12345;
		cr_assert_eq(kca_parse_time(good[i].arg, &ns), 0, "%s", good[i].arg);
		cr_assert_eq(ns, good[i].ns, "%s: %llu", good[i].arg, (unsigned long long)ns);
	}
	static const char *const bad[] = {"",	 "-1",	  "abc",  "1x", "5 s",	"nan",
					  "inf", "1e300", "10ss", "s",	"0x10", "0X1p3s"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t ns = 12345;
		cr_assert_eq(kca_parse_time(bad[i], &ns), -EINVAL, "'%s' taken", bad[i]);
		cr_assert_eq(ns, 12345, "'%s' wrote a value", bad[i]);
	}
}

/* ---- a trace with known times ------------------------------------------------------------ */

static FILE *trace_file;

static void put(const void *rec, size_t size)
{
	cr_assert_eq(fwrite(rec, 1, size, trace_file), size);
}

/* A load of kernel k by thread 1 through api, of an image of that kind. */
static void put_load_as(double at_s, uint64_t hash, uint64_t duration_ns, unsigned api,
			unsigned kind)
{
	_Alignas(8) uint8_t mem[512];
	struct kc_recbuf rb;
	struct kc_rec_module_load rec = {0};
	kc_rb_init(&rb, mem, sizeof(mem), sizeof(rec));
	rec.hash = hash;
	rec.size = 4096;
	rec.api = api;
	rec.kind = kind;
	rec.path = KC_PATH_SYMBOL;
	rec.handle = hash;
	rec.duration_ns = duration_ns;
	kc_rb_list_begin(&rb);
	kc_rb_list_add(&rb, "k");
	rec.names = kc_rb_list_end(&rb);
	put(kc_rb_data(&rb),
	    kc_rb_finish(&rb, &rec, KC_REC_MODULE_LOAD, 1, ORIGIN + (uint64_t)(at_s * SEC)));
	kc_rb_release(&rb);
}

static void put_load(double at_s, uint64_t hash, uint64_t duration_ns)
{
	put_load_as(at_s, hash, duration_ns, KC_API_MODULE_LOAD_DATA, KC_IMAGE_CUBIN);
}

/* Thread 1's Python frame (FILE\tLINE\tFUNCTION) at its next load. */
static void put_callsite(double at_s, const char *frame)
{
	_Alignas(8) uint8_t mem[512];
	struct kc_recbuf rb;
	struct kc_rec_callsite rec = {0};
	kc_rb_init(&rb, mem, sizeof(mem), sizeof(rec));
	rec.for_type = KC_REC_MODULE_LOAD;
	kc_rb_list_begin(&rb);
	kc_rb_list_add(&rb, frame);
	rec.frames = kc_rb_list_end(&rb);
	put(kc_rb_data(&rb),
	    kc_rb_finish(&rb, &rec, KC_REC_CALLSITE, 1, ORIGIN + (uint64_t)(at_s * SEC)));
	kc_rb_release(&rb);
}

static void put_compile(double at_s, uint64_t output, uint64_t duration_ns)
{
	_Alignas(8) uint8_t mem[512];
	struct kc_recbuf rb;
	struct kc_rec_compile rec = {0};
	kc_rb_init(&rb, mem, sizeof(mem), sizeof(rec));
	rec.tool = KC_TOOL_NVRTC;
	rec.output_hash = output;
	rec.input_hash = 0x5eed;
	rec.duration_ns = duration_ns;
	rec.name = kc_rb_str(&rb, "k.cu");
	put(kc_rb_data(&rb),
	    kc_rb_finish(&rb, &rec, KC_REC_COMPILE, 1, ORIGIN + (uint64_t)(at_s * SEC)));
	kc_rb_release(&rb);
}

static void put_launch_stats(double at_s, uint64_t count)
{
	struct kc_rec_launch_stats ls = {.func_id = 1, .count = count};
	ls.h.type = KC_REC_LAUNCH_STATS;
	ls.h.time_ns = ORIGIN + (uint64_t)(at_s * SEC);
	kc_rec_seal(&ls.h, sizeof(ls));
	put(&ls, sizeof(ls));
}

static void put_graph(double at_s, unsigned kind, uint32_t id, uint64_t graph, uint32_t nodes)
{
	_Alignas(8) uint8_t g[sizeof(struct kc_rec_graph) + sizeof(struct kc_graph_func)];
	memset(g, 0, sizeof(g));
	struct kc_rec_graph *gr = (void *)g;
	gr->h.type = KC_REC_GRAPH;
	gr->h.time_ns = ORIGIN + (uint64_t)(at_s * SEC);
	gr->kind = kind;
	gr->id = id;
	gr->graph = graph;
	gr->exec = id ? 0x100 + id : 0;
	gr->nodes = nodes;
	gr->nfuncs = 1;
	gr->funcs[0] = (struct kc_graph_func){.func_id = 1, .count = nodes};
	kc_rec_seal(&gr->h, sizeof(g));
	put(g, sizeof(g));
}

static void put_graph_launches(double at_s, uint32_t id, uint64_t count)
{
	struct kc_rec_graph_launch_stats st = {.graph_id = id, .count = count};
	st.h.type = KC_REC_GRAPH_LAUNCH_STATS;
	st.h.time_ns = ORIGIN + (uint64_t)(at_s * SEC);
	kc_rec_seal(&st.h, sizeof(st));
	put(&st, sizeof(st));
}

/* Kernel k's handle, function id 1, at 0.1 s. */
static void put_function(void)
{
	_Alignas(8) uint8_t mem[512];
	struct kc_recbuf rb;
	struct kc_rec_function fn = {0};
	kc_rb_init(&rb, mem, sizeof(mem), sizeof(fn));
	fn.id = 1;
	fn.handle = 0x10;
	fn.name = kc_rb_str(&rb, "k");
	put(kc_rb_data(&rb), kc_rb_finish(&rb, &fn, KC_REC_FUNCTION, 1, ORIGIN + SEC / 10));
	kc_rb_release(&rb);
}

/* A fresh directory with one trace file, its header written, open as trace_file: its start
 * at ORIGIN. */
static char *begin_trace(void)
{
	char *dir = kct_tmpdir();
	trace_file = kct_trace_create(dir, ORIGIN);
	return dir;
}

/* Kernel k of a 14-second run: image A loaded at 0.5 s; B built (100 ms) and loaded at 2 s; C
 * built (300 ms) and loaded at 12 s and again at 13 s. Its launch counts flushed at 1 s (10),
 * 11 s (100) and 14 s (150). Graph 1 (two nodes of k) made at 11 s, launched 5 times by
 * 11.5 s and 20 by 14 s; three launches of k captured at 12.5 s into graph 2 (three nodes),
 * made at 12.6 s, launched 4 times by 14 s. */
static char *write_timed_trace(void)
{
	char *dir = begin_trace();
	put_function();
	put_load(0.5, 0xA, 1000000);
	put_launch_stats(1, 10);
	put_compile(1.9, 0xB, 100000000);
	put_load(2, 0xB, 2000000);
	put_graph(11, KC_GRAPH_INSTANTIATE, 1, 0x70, 2);
	put_launch_stats(11, 100);
	put_graph_launches(11.5, 1, 5);
	put_compile(11.9, 0xC, 300000000);
	put_load(12, 0xC, 3000000);
	put_graph(12.5, KC_GRAPH_CAPTURE, 0, 0x77, 3);
	put_graph(12.6, KC_GRAPH_INSTANTIATE, 2, 0x77, 3);
	put_load(13, 0xC, 4000000);
	put_launch_stats(14, 150);
	put_graph_launches(14, 1, 20);
	put_graph_launches(14, 2, 4);
	fclose(trace_file);
	return dir;
}

static void load_window(struct kca_model *m, char *dir, double since_s, double until_s)
{
	struct kca_window w = {(uint64_t)(since_s * SEC), (uint64_t)(until_s * SEC)};
	cr_assert_gt(kca_model_load_window(m, &dir, 1, &w), 0);
	kca_model_families(m);
	cr_assert_eq(m->nfamilies, 1);
}

Test(window, exact_counts_of_a_trace_with_known_times)
{
	char *dir = write_timed_trace();
	struct kca_model m;
	struct kca_totals t;

	/* The whole run: 150 launches less the 3 captured, plus 20 × 2 + 4 × 3 graph runs. */
	load_window(&m, dir, 0, 0);
	const struct kca_family *f = &m.families[0];
	cr_assert_eq(f->launches, 199);
	cr_assert_eq(f->win.launches, 199, "a window over everything is the whole run");
	cr_assert_eq(f->win.loads, 4);
	cr_assert_eq(f->win.new_variants, 3);
	cr_assert_eq(f->win.reloads, 1);
	cr_assert_eq(f->win.build_ns, 400000000);
	kca_model_window_totals(&m, &t);
	cr_assert_eq(t.launches, 199);
	cr_assert_eq(t.graph_launches, 24);
	cr_assert_eq(t.nloads, 4);
	cr_assert_eq(t.ncompiles, 2);
	kca_model_free(&m);

	/* From 11.8 s: C built and loaded twice (one a reload); launches 150 - 100 flushed
	 * before, less the 3 captured at 12.5 s, plus graph 1's 20 - 5 launches × 2 and graph
	 * 2's 4 × 3. */
	load_window(&m, dir, 11.8, 0);
	f = &m.families[0];
	cr_assert_eq(f->win.new_variants, 1);
	cr_assert_eq(f->win.loads, 2);
	cr_assert_eq(f->win.reloads, 1);
	cr_assert_eq(f->win.build_ns, 300000000);
	cr_assert_eq(f->win.load_ns, 7000000);
	cr_assert_eq(f->win.launches, 50 - 3 + 30 + 12, "%llu",
		     (unsigned long long)f->win.launches);
	cr_assert_eq(f->win.first_ns, ORIGIN + 12 * SEC);
	cr_assert_eq(f->win.last_ns, ORIGIN + 13 * SEC);
	cr_assert_eq(f->nvariants, 3, "variants are the whole run's");
	cr_assert_eq(f->launches, 199);
	cr_assert(kca_family_built_in_window(f));
	kca_model_window_totals(&m, &t);
	cr_assert_eq(t.build, 300000000);
	cr_assert_eq(t.load, 7000000);
	cr_assert_eq(t.graph_launches, 15 + 4);
	cr_assert_eq(t.captured, 3);
	kca_model_free(&m);

	/* Up to 11.8 s: A and B, 100 launches flushed by 11 s, graph 1's 5 launches × 2; the
	 * capture came later. 110 + 89 = 199: the two windows make the whole. */
	load_window(&m, dir, 0, 11.8);
	f = &m.families[0];
	cr_assert_eq(f->win.new_variants, 2);
	cr_assert_eq(f->win.loads, 2);
	cr_assert_eq(f->win.reloads, 0);
	cr_assert_eq(f->win.build_ns, 100000000);
	cr_assert_eq(f->win.launches, 110, "%llu", (unsigned long long)f->win.launches);
	kca_model_free(&m);

	/* From 13.5 s: nothing built or loaded; 150 - 100 launches, less the capture's 3 (made at
	 * 12.5 s, but its launches counted by the flush at 14 s, in the window), plus graph 1's
	 * 15 × 2 and graph 2's 4 × 3. */
	load_window(&m, dir, 13.5, 0);
	f = &m.families[0];
	cr_assert_eq(f->win.loads, 0);
	cr_assert_eq(f->win.new_variants, 0);
	cr_assert_not(kca_family_built_in_window(f));
	cr_assert_eq(f->win.launches, 50 - 3 + 30 + 12, "%llu",
		     (unsigned long long)f->win.launches);
	kca_model_free(&m);
	free(dir);
}

static void put_gpu_time(double at_s, uint64_t count, uint64_t gaps, uint64_t overlapped)
{
	_Alignas(8) uint8_t mem[512];
	struct kc_recbuf rb;
	struct kc_rec_gpu_time rec = {0};
	kc_rb_init(&rb, mem, sizeof(mem), sizeof(rec));
	rec.count = count; /* cumulative, each run 1 ms, each gap 2 µs */
	rec.total_ns = count * 1000000;
	rec.min_ns = rec.max_ns = 1000000;
	rec.gap_count = gaps;
	rec.gap_ns = (gaps - overlapped) * 2000;
	rec.overlapped = overlapped;
	rec.name = kc_rb_str(&rb, "k");
	put(kc_rb_data(&rb),
	    kc_rb_finish(&rb, &rec, KC_REC_GPU_TIME, 1, ORIGIN + (uint64_t)(at_s * SEC)));
	kc_rb_release(&rb);
}

static char out[1 << 20];

/* GPU time (--gpu-time) in a window: what the flushes up to its end wrote, less what those
 * before its start had: k's runs flushed at 1 s (10), 11 s (100) and 14 s (150). */
/* The CUDA runtime loads a library at 0.5 s (serve.py:10) and the driver its kernel's module
 * at its first launch, 5 s (serve.py:20): one load of k, at the library's line; in a window
 * from 3 s, the window's load of it, at the launch's line. */
Test(window, a_library_and_its_lazy_module_are_one_load_at_their_call_site)
{
	char *dir = begin_trace();
	put_function();
	put_callsite(0.5, "serve.py\t10\tstep");
	put_load_as(0.5, 0xF, 1000000, KC_API_LIBRARY_LOAD_DATA, KC_IMAGE_FATBIN);
	put_callsite(5, "serve.py\t20\tstep");
	put_load_as(5, 0xC, 1000, KC_API_LAZY, KC_IMAGE_CUBIN);
	put_launch_stats(6, 1);
	fclose(trace_file);
	struct kca_model m;
	struct kca_call_site site;
	load_window(&m, dir, 0, 0);
	cr_assert_eq(m.families[0].loads, 1);
	cr_assert_eq(kca_family_call_sites(&m, &m.families[0], &site, 1), 1);
	cr_assert_eq(site.count, 1);
	cr_assert(strstr(site.where, "serve.py:10"), "%s", site.where);
	kca_model_free(&m);
	load_window(&m, dir, 3, 0);
	cr_assert_eq(m.families[0].win.loads, 1);
	cr_assert_eq(kca_family_call_sites(&m, &m.families[0], &site, 1), 1,
		     "the window's load of it has a line");
	cr_assert_eq(site.count, 1);
	cr_assert(strstr(site.where, "serve.py:20"), "%s", site.where);
	kca_model_free(&m);
}

/* Who holds CUPTI is its last such event: a launch or GPU-time event after kcprof took CUPTI
 * back from the program's profiler leaves it "lent for a while". */
Test(window, cupti_lent_for_a_while_whatever_came_after)
{
	char *dir = begin_trace();
	put_function();
	static const uint32_t events[] = {KC_CUPTI_SUBSCRIBED, KC_CUPTI_YIELDED, KC_CUPTI_RESUMED,
					  KC_CUPTI_GPU_TIME_ON, KC_CUPTI_LAUNCHES_OFF};
	for (unsigned i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		_Alignas(8) uint8_t mem[256];
		struct kc_recbuf rb;
		struct kc_rec_cupti rec = {.event = events[i]};
		kc_rb_init(&rb, mem, sizeof(mem), sizeof(rec));
		rec.detail = kc_rb_str(&rb, "");
		put(kc_rb_data(&rb),
		    kc_rb_finish(&rb, &rec, KC_REC_CUPTI, 1, ORIGIN + SEC * (i + 1)));
		kc_rb_release(&rb);
	}
	put_load(6, 0xA, 1000);
	fclose(trace_file);
	char out[8192];
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "CUPTI lent to the program's profiler for a while"), "%s", out);
}

Test(window, gpu_time_of_a_window_by_its_flushes)
{
	char *dir = begin_trace();
	put_function();
	put_load(0.5, 0xA, 1000000);
	put_gpu_time(1, 10, 9, 0);
	put_launch_stats(1, 10);
	put_compile(11.9, 0xC, 300000000);
	put_load(12, 0xC, 3000000);
	put_gpu_time(11, 100, 99, 40);
	put_launch_stats(11, 100);
	put_launch_stats(12.5, 120); /* launches flushed with no kernel times yet */
	put_gpu_time(14, 150, 149, 60);
	put_launch_stats(14, 150);
	fclose(trace_file);

	struct kca_model m;
	struct kca_totals t;
	load_window(&m, dir, 11.8, 0);
	const struct kca_family *f = &m.families[0];
	cr_assert_eq(f->win.gpu_count, 50);
	cr_assert_eq(f->win.gpu_ns, 50 * 1000000ull);
	cr_assert_eq(f->win.gap_count, 50);
	cr_assert_eq(f->win.overlapped, 20);
	cr_assert_eq(f->win.gap_ns, 30 * 2000ull);
	cr_assert_eq(f->gpu_count, 150, "the whole run's stay");
	kca_model_window_totals(&m, &t);
	cr_assert_eq(t.gpu_runs, 50);
	cr_assert_eq(t.gpu_ns, 50 * 1000000ull);
	cr_assert_eq(t.gap_runs, 50);
	kca_model_free(&m);
	load_window(&m, dir, 0, 11.8);
	f = &m.families[0];
	cr_assert_eq(f->win.gpu_count, 100);
	cr_assert_eq(f->win.overlapped, 40);
	kca_model_free(&m);
	load_window(&m, dir, 1.5, 10);
	cr_assert_eq(m.families[0].win.gpu_count, 0, "no flush in it");
	kca_model_free(&m);

	cr_assert_eq(
	    kct_run_cli((const char *[]){"report", "--since", "11.8", dir, NULL}, out, sizeof(out)),
	    0);
	cr_assert(strstr(out, "GPU time in the window 50.0 ms (50 kernel runs timed): the "
			      "window's builds and loads took "),
		  "%s", out);
	cr_assert(strstr(out, "streams idle between kernels in the window 60 µs, 1.2 µs a run (50 "
			      "runs; 20 overlapped their predecessor through PDL)\n"),
		  "%s", out);
	cr_assert(strstr(out, "                   GPU: 1.0 ms a run, 50 timed: the window's builds "
			      "and loads took "),
		  "%s", out);
	cr_assert(strstr(out, "    whole run's GPU: 1.0 ms a run (1.0 ms..1.0 ms, 150 timed)"),
		  "%s", out);
	char cmd[8192];
	snprintf(
	    cmd, sizeof(cmd),
	    "%s report --json --since 11.8 %s | python3 -c \"import json,sys; d=json.load("
	    "sys.stdin); t=d['window_totals']; assert (t['gpu_runs'],t['gpu_ms'])==(50,50.0), t;"
	    " k=d['kernels'][0]['window']; assert (k['gpu_runs'],k['gpu_ms'])==(50,50.0), k;"
	    " assert d['totals']['gpu_runs']==150\"",
	    kct_cli(), dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	/* a window with launches and no kernel times: 0, not "not recorded", and said why */
	cr_assert_eq(
	    kct_run_cli((const char *[]){"report", "--since", "12", "--until", "13", dir, NULL},
			out, sizeof(out)),
	    0);
	cr_assert(strstr(out, "GPU time in the window 0 ns (0 kernel runs timed)\n  (0 runs timed "
			      "against 20 launches in the window: "),
		  "%s", out);
	snprintf(
	    cmd, sizeof(cmd),
	    "%s report --json --since 12 --until 13 %s | python3 -c \"import json,sys; t=json."
	    "load(sys.stdin)['window_totals']; assert (t['gpu_runs'],t['gpu_ms'],t['launches'])"
	    "==(0,0.0,20), t\"",
	    kct_cli(), dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	free(dir);
}

Test(window, report_and_check_of_a_window)
{
	char *dir = write_timed_trace();
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--since", "11.8s", dir, NULL}, out,
				 sizeof(out)),
		     0);
	cr_assert(strstr(out, "window: from +11.80 s to the end, of 14.00 s recorded\n"), "%s",
		  out);
	char first[16384];
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--until", "2", dir, NULL}, first,
				 sizeof(first)),
		     0);
	cr_assert(strstr(first, "window: from the start to +2.00 s, of 14.00 s recorded\n"), "%s",
		  first);
	cr_assert(strstr(out, "in the window: builds 300.0 ms (1 compile), loads 7.0 ms (2 loads), "
			      "launches 89\n"),
		  "%s", out);
	cr_assert(strstr(out, "1 kernel built or reloaded in the window"), "%s", out);
	cr_assert(strstr(out, "in the window: 1 new variant, 2 loads (1 of an image already "
			      "loaded), 89 launches, at +12.00 s .. +13.00 s\n"),
		  "%s", out);
	cr_assert(strstr(out, "whole run: 3 variants in 4 loads (1 of an image already loaded), "
			      "199 launches"),
		  "%s", out);

	/* check: anything built in the window fails; a window after the builds passes */
	cr_assert_eq(
	    kct_run_cli((const char *[]){"check", "--since", "11.8", dir, NULL}, out, sizeof(out)),
	    1, "%s", out);
	cr_assert(strstr(out, "kcprof check: k: 1 new image, 2 loads in the window (from +12.00 "
			      "s), 307.0 ms of builds and loads there"),
		  "%s", out);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"check", "--since", "13.5", dir, NULL}, out, sizeof(out)),
	    0, "%s", out);
	cr_assert(strstr(out, "kcprof check: ok (1 kernel, 0 loads, 0 compiles in the window)") &&
		      !strstr(out, "after the recording's end"),
		  "%s", out);
	/* a window past the recording's end fails (a server that died in its warm-up), saying
	 * that it held nothing */
	cr_assert_eq(
	    kct_run_cli((const char *[]){"check", "--since", "1h", dir, NULL}, out, sizeof(out)), 1,
	    "%s", out);
	cr_assert(strstr(out, "kcprof check: the window (from +3600.00 s) begins after the "
			      "recording's end (") &&
		      strstr(out, "nothing in it was checked"),
		  "%s", out);
	/* limits count the window: one new image passes --max-variants 1, the reload fails
	 * --max-reloads 0 */
	cr_assert_eq(kct_run_cli((const char *[]){"check", "--since", "11.8", "--max-variants", "1",
						  dir, NULL},
				 out, sizeof(out)),
		     0, "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"check", "--since", "11.8", "--max-reloads", "0",
						  dir, NULL},
				 out, sizeof(out)),
		     1, "%s", out);
	cr_assert(
	    strstr(out, "k: 1 reload of an identical image in one process in the window (limit 0)"),
	    "%s", out);
	/* the whole run has 3 variants: the default rule calls it churn-free ("a few variants"
	 * with many launches each), --max-variants 2 fails it */
	cr_assert_eq(kct_run_cli((const char *[]){"check", "--max-variants", "2", dir, NULL}, out,
				 sizeof(out)),
		     1, "%s", out);

	/* JSON: the window, its totals, the kernel's window */
	char cmd[8192];
	snprintf(
	    cmd, sizeof(cmd),
	    "%s report --json --since 11.8 --until 13.5 %s | python3 -c \"import json,sys; "
	    "d=json.load(sys.stdin); w=d['window']; assert w=={'since_ms':11800,'until_ms':13500},"
	    " w; t=d['window_totals']; assert (t['compiles'],t['loads'],t['launches'])==(1,2,0), t;"
	    " k=d['kernels'][0]['window']; assert k=={'new_variants':1,'loads':2,'reloads':1,"
	    "'process_reloads':1,'launches':0,'compile_ms':300.0,'load_ms':7.0,'gpu_runs':None,'"
	    "gpu_ms':None}, k; "
	    "assert d['totals']['launches']==199\"",
	    kct_cli(), dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);

	/* bad windows are usage errors naming the option */
	cr_assert_eq(
	    kct_run_cli((const char *[]){"report", "--since", "ten", dir, NULL}, out, sizeof(out)),
	    2);
	cr_assert(strstr(out, "kcprof report: --since takes a time from the recording's start"),
		  "%s", out);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"check", "--since", "5", "--until", "5s", dir, NULL}, out,
			sizeof(out)),
	    2);
	cr_assert(strstr(out, "kcprof check: --until 5s is not after --since 5"), "%s", out);
	free(dir);
}

/* ---- on the traces recorded on the H100 ------------------------------------------------- */

static const char *const recorded[] = {"examples/traces/cuda-graph",
				       "examples/traces/nvrtc-define",
				       "examples/traces/pdl-chain/nopdl",
				       "examples/traces/pdl-chain/pdl",
				       "examples/traces/ptx-jit",
				       "examples/traces/torch-compile-shapes/dynamic",
				       "examples/traces/torch-compile-shapes/static",
				       "examples/traces/triton-autotune",
				       "examples/traces/triton-constexpr",
				       "examples/traces/serve-warmup"};

static uint64_t family_launches(const struct kca_model *m, const char *name, int win)
{
	for (unsigned i = 0; i < m->nfamilies; i++)
		if (strcmp(m->families[i].name, name) == 0)
			return win ? m->families[i].win.launches : m->families[i].launches;
	return 0;
}

/* Where to cut a recording: at a quarter, a half and three quarters, and just after each
 * stream capture (its launches are counted by a flush that comes later: a cut in between
 * must not count them twice). At most 16, from the recording's start. */
static unsigned cut_points(char *dir, uint64_t origin, uint64_t length, uint64_t *cuts)
{
	unsigned n = 0;
	for (int q = 1; q <= 3; q++)
		cuts[n++] = length * (uint64_t)q / 4;
	struct kca_trace_list l;
	cr_assert_eq(kca_trace_list(dir, &l), 0);
	for (int i = 0; i < l.count && n < 16; i++) {
		struct kc_trace t;
		const struct kc_rec_hdr *r;
		if (kc_trace_open(&t, l.paths[i]) == 0)
			while (n < 16 && kc_trace_next(&t, &r) > 0)
				if (r->type == KC_REC_GRAPH &&
				    ((const struct kc_rec_graph *)r)->kind == KC_GRAPH_CAPTURE &&
				    r->time_ns > origin)
					cuts[n++] = r->time_ns - origin + 1;
		kc_trace_close(&t);
	}
	kca_trace_list_free(&l);
	return n;
}

Test(window, a_window_and_the_rest_make_the_whole_run)
{
	for (size_t r = 0; r < sizeof(recorded) / sizeof(recorded[0]); r++) {
		char *dir = (char *)recorded[r];
		struct kca_model whole;
		cr_assert_gt(kca_model_load(&whole, &dir, 1), 0, "%s", dir);
		kca_model_families(&whole);
		struct kca_totals all;
		kca_model_totals(&whole, &all);
		uint64_t end = 0;
		for (unsigned i = 0; i < whole.nprocs; i++)
			if (whole.procs[i].end_ns > end)
				end = whole.procs[i].end_ns;
		uint64_t length = end - whole.origin_ns[0], cuts[16];
		unsigned ncuts = cut_points(dir, whole.origin_ns[0], length, cuts);
		for (unsigned cut = 0; cut < ncuts; cut++) {
			uint64_t at = cuts[cut];
			struct kca_window before = {0, at}, after = {at, 0};
			struct kca_model a, b;
			cr_assert_gt(kca_model_load_window(&a, &dir, 1, &before), 0);
			cr_assert_gt(kca_model_load_window(&b, &dir, 1, &after), 0);
			kca_model_families(&a);
			kca_model_families(&b);
			struct kca_totals ta, tb;
			kca_model_window_totals(&a, &ta);
			kca_model_window_totals(&b, &tb);
			cr_assert_eq(ta.build + tb.build, all.build, "%s at %u", dir, cut);
			cr_assert_eq(ta.load + tb.load, all.load, "%s at %u", dir, cut);
			cr_assert_eq(ta.ncompiles + tb.ncompiles, all.ncompiles, "%s", dir);
			cr_assert_eq(ta.nloads + tb.nloads, all.nloads, "%s", dir);
			cr_assert_eq(ta.launches + tb.launches, all.launches,
				     "%s at cut %u: %llu + %llu != %llu", dir, cut,
				     (unsigned long long)ta.launches,
				     (unsigned long long)tb.launches,
				     (unsigned long long)all.launches);
			cr_assert_eq(ta.graph_launches + tb.graph_launches, all.graph_launches,
				     "%s", dir);
			cr_assert_eq(ta.gpu_runs + tb.gpu_runs, all.gpu_runs, "%s", dir);
			cr_assert_eq(ta.gpu_ns + tb.gpu_ns, all.gpu_ns, "%s", dir);
			cr_assert_eq(ta.gap_runs + tb.gap_runs, all.gap_runs, "%s", dir);
			cr_assert_eq(ta.gap_ns + tb.gap_ns, all.gap_ns, "%s", dir);
			cr_assert_eq(ta.overlapped + tb.overlapped, all.overlapped, "%s", dir);
			for (unsigned i = 0; i < whole.nfamilies; i++) {
				const struct kca_family *f = &whole.families[i];
				cr_assert_eq(family_launches(&a, f->name, 1) +
						 family_launches(&b, f->name, 1),
					     f->launches, "%s: %s", dir, f->name);
			}
			unsigned new_a = 0, new_b = 0, variants = 0;
			for (unsigned i = 0; i < whole.nfamilies; i++) {
				new_a += a.families[i].win.new_variants;
				new_b += b.families[i].win.new_variants;
				variants += whole.families[i].nvariants;
			}
			cr_assert_eq(new_a + new_b, variants, "%s: every image is new once", dir);
			kca_model_free(&a);
			kca_model_free(&b);
		}
		kca_model_free(&whole);
	}
}

Test(window, serving_builds_of_a_server_recorded_on_the_gpu)
{
	/* tests/gpu/serve_warmup.py on the H100: a warm-up over padded batch sizes 1, 2, 4, 8,
	 * then serving 1-8 live requests from +10.86 s; softcap_logits' tl.constexpr N_REQ is the
	 * live count, so serving built it for 6, 3, 5 and 7. Recorded with Python call sites. */
	const char *dir = "examples/traces/serve-warmup";
	cr_assert_eq(
	    kct_run_cli((const char *[]){"report", "--since", "10.8", dir, NULL}, out, sizeof(out)),
	    0);
	cr_assert(strstr(out, "1 kernel built or reloaded in the window, 0 with recompilation "
			      "churn"),
		  "%s", out);
	cr_assert(strstr(out, " 1. softcap_logits  [Triton]  a few variants\n"
			      "    in the window: 4 new variants, 4 loads, 300 launches"),
		  "%s", out);
	cr_assert(strstr(out, "    changed: N_REQ (tl.constexpr): 8 values, 1..8\n"
			      "             new in the window: 6, 3, 5, 7\n"
			      "             at tests/gpu/serve_warmup.py:62 in step\n"),
		  "%s", out);
	cr_assert(strstr(out, "    called from tests/gpu/serve_warmup.py:62 in step (4 loads)\n"),
		  "%s", out);
	/* the runtime's loads of its prebuilt kernels (915): PyTorch's compressed fatbins (five
	 * cuLibraryLoadData of 12-23 ms, named from the images the trace stored; 1.3 µs when
	 * they counted for no kernel) and lazy loads of ~0.3 µs; each load's time once, not
	 * once a kernel of its module */
	cr_assert(strstr(out, "915 prebuilt kernels first loaded in the window (the CUDA runtime's "
			      "lazy loading, a program's cubin): 88.5 ms in their loads"),
		  "%s", out);
	cr_assert(strstr(out, "loads 89.0 ms (14 loads)"), "%s", out);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"check", "--since", "10.8", dir, NULL}, out, sizeof(out)),
	    1, "%s", out);
	cr_assert(strstr(out, "softcap_logits: 4 new images, 4 loads in the window") &&
		      !strstr(out, "rms_norm") && !strstr(out, "softcap_logits_fixed"),
		  "%s", out);
	/* the warm-up alone: four padded sizes, nothing else rebuilt */
	cr_assert_eq(kct_run_cli((const char *[]){"check", "--until", "9.4", "--max-variants", "4",
						  dir, NULL},
				 out, sizeof(out)),
		     0, "%s", out);
	/* diff: each variant's call site and Triton's arguments of its build */
	cr_assert_eq(kct_run_cli((const char *[]){"diff", dir, "softcap_logits", "1", "5", NULL},
				 out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "    called from tests/gpu/serve_warmup.py:62 in step\n"
			      "    Triton arguments: logits_ptr *fp16:D, vocab i32:D, cap fp32, "
			      "N_REQ=1, BLOCK=1024\n"),
		  "%s", out);
	cr_assert(strstr(out, "N_REQ=6, BLOCK=1024\n"), "%s", out);
	/* the whole run names the line and when the loads came */
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "    loads from +8.45 s to +11.56 s of the recording\n"
			      "    called from tests/gpu/serve_warmup.py:62 in step (8 loads)\n"),
		  "%s", out);
}
