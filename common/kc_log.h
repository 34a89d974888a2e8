/* kc_log.h - the one logging helper of kcprof.
 *
 * Lines go to stderr as "kcprof: <domain>: <message>", formatted in a stack buffer (no
 * malloc, safe inside hooks) and written with one write(2); errno is preserved, so a hook
 * may log without changing what the host program sees.
 *
 * Error convention (both sides): functions return 0 (or a count) on success and a negative
 * errno value on failure; the message for the user is logged once, where the failure is
 * understood. Only the analyzer's kca_die() exits.
 */
#ifndef KC_LOG_H
#define KC_LOG_H

#include <stdarg.h>

enum kc_log_level { KC_LOG_ERROR, KC_LOG_WARN, KC_LOG_INFO, KC_LOG_DEBUG };

/* Messages above this level are dropped. Default KC_LOG_WARN. */
extern int kc_log_level;

void kc_log(enum kc_log_level level, const char *domain, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void kc_vlog(enum kc_log_level level, const char *domain, const char *fmt, va_list ap);

#endif
