/* util.c - the analyzer's allocation and exit helpers. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kca.h"

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
