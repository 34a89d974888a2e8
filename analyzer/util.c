/* util.c - the analyzer's allocation and exit helpers. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kca.h"
#include "model.h"

_Noreturn void kca_die_at(const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kc_log(KC_LOG_ERROR, NULL, "%s (%s:%d)", msg, file, line);
	exit(1);
}

void *kca_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		kca_die("out of memory (%zu bytes)", n);
	return p;
}

void *kca_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		kca_die("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *kca_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		kca_die("out of memory (%zu bytes)", n);
	return q;
}

char *kca_xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");
	if (!p)
		kca_die("out of memory");
	return p;
}

int kca_usage(const char *text, int status)
{
	if (status == 0) {
		fputs(text, stdout);
		return 0;
	}
	/* A usage error: the synopsis (the text's first line) and where the rest is. */
	const char *nl = strchr(text, '\n');
	int len = nl ? (int)(nl - text) : (int)strlen(text);
	const char *cmd = strstr(text, "kcprof ");
	int cmdlen = 0;
	if (cmd && cmd < text + len) {
		const char *end = strchr(cmd + 7, ' ');
		cmdlen = end && end < text + len ? (int)(end - cmd) : len - (int)(cmd - text);
	}
	fprintf(stderr, "%.*s\n(%.*s --help for more)\n", len, text, cmdlen ? cmdlen : 6,
		cmdlen ? cmd : "kcprof");
	return status;
}

char **kca_dir_args(int argc, char **argv, int optind, unsigned *ndirs)
{
	static char dflt_dir[] = "kcprof.data";
	static char *dflt[] = {dflt_dir};
	if (optind < argc) {
		*ndirs = (unsigned)(argc - optind);
		return argv + optind;
	}
	*ndirs = 1;
	return dflt;
}

int kca_parse_time(const char *arg, uint64_t *ns)
{
	static const struct {
		const char *suffix;
		double scale;
	} units[] = {{"", 1e9}, {"s", 1e9}, {"ms", 1e6}, {"us", 1e3}, {"m", 60e9}, {"min", 60e9},
		     {"h", 3600e9}};
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	/* decimal only: strtod also takes 0x10 (16 s) */
	if (end == arg || errno || !isfinite(v) || v < 0 || strpbrk(arg, "xX"))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) != 0)
			continue;
		double x = v * units[i].scale;
		if (x >= 9e18) /* 285 years: past what a recording's times reach */
			return -EINVAL;
		*ns = (uint64_t)(x + 0.5);
		return 0;
	}
	return -EINVAL;
}

int kca_window_options(const char *cmd, const char *since, const char *until,
		       struct kca_window *w)
{
	memset(w, 0, sizeof(*w));
	const char *bad = since && kca_parse_time(since, &w->since_ns) < 0   ? "since"
			  : until && kca_parse_time(until, &w->until_ns) < 0 ? "until"
									     : NULL;
	if (bad) {
		fprintf(stderr,
			"kcprof %s: --%s takes a time from the recording's start (90, 90s, 1.5m, "
			"500ms, 2h), not '%s'\n",
			cmd, bad, *bad == 's' ? since : until);
		return -1;
	}
	if (until && w->until_ns <= w->since_ns) {
		if (since)
			fprintf(stderr, "kcprof %s: --until %s is not after --since %s\n", cmd,
				until, since);
		else /* the window would begin at the start and end there */
			fprintf(stderr, "kcprof %s: --until %s leaves nothing: give a time after the "
				"recording's start\n", cmd, until);
		return -1;
	}
	return 0;
}

const char *kca_site_text(const char *where, const char *func, char *buf, size_t cap)
{
	if (!func || !func[0] || strcmp(func, "?") == 0)
		snprintf(buf, cap, "%s", where);
	else
		snprintf(buf, cap, "%s in %s", where, func);
	return buf;
}

const char *kca_printable(const char *s, char *buf, size_t cap)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && n + 5 < cap; p++) {
		if (*p < 0x20 || *p == 0x7f) /* a terminal's controls, as the trace had them */
			n += (size_t)snprintf(buf + n, cap - n, "\\x%02x", *p);
		else
			buf[n++] = (char)*p;
	}
	buf[n] = '\0';
	return buf;
}
