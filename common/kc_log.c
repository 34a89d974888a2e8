/* kc_log.c - see kc_log.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kc_log.h"

int kc_log_level = KC_LOG_WARN;

void kc_vlog(enum kc_log_level level, const char *domain, const char *fmt, va_list ap)
{
	if ((int)level > kc_log_level)
		return;
	int saved_errno = errno;
	char buf[512];
	int n =
	    snprintf(buf, sizeof(buf), "kcprof: %s%s", domain ? domain : "", domain ? ": " : "");
	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof(buf)) {
		int m = vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
		if (m > 0)
			n += m;
	}
	if ((size_t)n >= sizeof(buf) - 1) { /* capped: mark the cut */
		n = (int)sizeof(buf) - 5;
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n++] = '\n';
	ssize_t off = 0;
	while (off < n) {
		ssize_t w = write(STDERR_FILENO, buf + off, (size_t)(n - off));
		if (w <= 0 && errno != EINTR)
			break;
		if (w > 0)
			off += w;
	}
	errno = saved_errno;
}

void kc_log(enum kc_log_level level, const char *domain, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kc_vlog(level, domain, fmt, ap);
	va_end(ap);
}
