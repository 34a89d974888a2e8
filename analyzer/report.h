/* report.h - pieces of the report shared by report, check and export. */
#ifndef KCA_REPORT_H
#define KCA_REPORT_H

#include <stdio.h>

#include "changes.h"
#include "model.h"

#define KCA_REPORT_SCHEMA "kcprof-report/1"

const char *kca_fmt_ns(uint64_t ns, char *buf, size_t cap);
/* "s" after a count other than 1: "%u load%s". */
#define KCA_PLURAL(n) ((n) == 1 ? "" : "s")
void kca_fix_text(const struct kca_model *m, const struct kca_family *f,
		  const struct kca_changes *ch, char *buf, size_t cap);
/* The report as JSON over m; with two or more runs (each a directory's model), each run's
 * totals too ("runs"). */
void kca_report_json(struct kca_model *m, FILE *out, unsigned top, const struct kca_model *runs,
		     unsigned nruns);

#endif
