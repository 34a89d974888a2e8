/* kc_log.c - see kc_log.h. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
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
	/* A stderr whose reader went away must not kill the program with SIGPIPE for kcprof's
	 * line (the recorder writes from inside it): the signal is blocked for the write, and
	 * taken back if the write raised it and it was not pending before. */
	sigset_t pipe_set, old_mask, pending;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
	sigpending(&pending);
	int was_pending = sigismember(&pending, SIGPIPE);
	ssize_t off = 0;
	while (off < n) {
		ssize_t w = write(STDERR_FILENO, buf + off, (size_t)(n - off));
		if (w <= 0 && errno != EINTR)
			break;
		if (w > 0)
			off += w;
	}
	if (!was_pending && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE)) {
		static const struct timespec no_wait = {0, 0};
		sigtimedwait(&pipe_set, NULL, &no_wait);
	}
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	errno = saved_errno;
}

void kc_log(enum kc_log_level level, const char *domain, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kc_vlog(level, domain, fmt, ap);
	va_end(ap);
}
