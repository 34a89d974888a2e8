/* main.c - kcprof: the command table and dispatch. A command is one row here and one
 * cmd_<name>.c. */
#include <stdlib.h>
#include <string.h>

#include "kca.h"

const struct kca_command kca_commands[] = {
    {"record", command_record, "run a command with the recorder preloaded"},
    {"report", command_report, "which kernels were rebuilt, what it cost, what changed, the fix"},
    {"check", command_check, "fail (exit 1) on recompilation churn: a gate for CI"},
    {"diff", command_diff, "two variants of one kernel side by side"},
    {"dump", command_dump, "every recorded event, one per line (text or JSON lines)"},
    {"export", command_export, "Chrome trace-event JSON for Perfetto"},
    {"archive", command_archive, "copy into a trace what reading it elsewhere needs"},
    {NULL, NULL, NULL},
};

static const char main_usage[] =
    "usage: kcprof COMMAND [ARGS]\n"
    "\n"
    "Finds GPU kernels that are compiled and loaded again and again in a running program\n"
    "(Triton, torch.compile, NVRTC, PTX JIT), what that costs, and what to change.\n"
    "\n"
    "Commands:\n";

static int print_usage(FILE *f)
{
	fputs(main_usage, f);
	for (const struct kca_command *c = kca_commands; c->name; c++)
		fprintf(f, "  %-8s %s\n", c->name, c->summary);
	fputs("\n"
	      "Run 'kcprof COMMAND --help' for a command's options.\n"
	      "\n"
	      "Examples:\n"
	      "  kcprof record -- python serve.py      # writes ./kcprof.data\n"
	      "  kcprof report                          # reads ./kcprof.data\n"
	      "  kcprof check --max-variants 4 DIR      # in CI: exit 1 on churn\n",
	      f);
	return 0;
}

int main(int argc, char **argv)
{
	kca_decompress_init();
	const char *v = getenv("KCPROF_LOG");
	if (v && strcmp(v, "debug") == 0)
		kc_log_level = KC_LOG_DEBUG;
	if (argc < 2) {
		print_usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		if (argc > 2 && strcmp(cmd, "help") == 0) {
			for (const struct kca_command *c = kca_commands; c->name; c++)
				if (strcmp(c->name, argv[2]) == 0) {
					char *args[] = {argv[2], "--help", NULL};
					return c->fn(2, args);
				}
		}
		return print_usage(stdout);
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("kcprof %s (trace format %d)\n", KCPROF_VERSION, KC_TRACE_VERSION);
		return 0;
	}
	for (const struct kca_command *c = kca_commands; c->name; c++)
		if (strcmp(c->name, cmd) == 0) {
			/* getopt names argv[0] in its errors: "kcprof report: ...", as ours */
			char name[64];
			snprintf(name, sizeof(name), "kcprof %s", c->name);
			argv[1] = name;
			return c->fn(argc - 1, argv + 1);
		}
	fprintf(stderr, "kcprof: unknown command '%s'\n\n", cmd);
	print_usage(stderr);
	return 2;
}
