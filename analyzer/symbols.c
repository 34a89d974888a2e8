/* symbols.c - native call sites named: the function and source line at an offset of a module
 * (a program or a shared library), from its symbol table and DWARF line table through libdw's
 * offline reporting, each module read once a model. A module that cannot be read (another
 * machine, stripped, moved) leaves its frames as "module+0xoffset". */
#include <elfutils/libdwfl.h>
#include <limits.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "kca.h"
#include "model.h"

struct kca_module_syms {
	char *path;
	Dwfl *dwfl;	  /* NULL: not readable */
	Dwfl_Module *mod;
	GElf_Addr start; /* where libdw placed the module: its load address's stand-in */
	UT_hash_handle hh;
};

static const Dwfl_Callbacks offline_callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
};

static struct kca_module_syms *module_syms(struct kca_model *m, const char *path)
{
	struct kca_module_syms *s;
	HASH_FIND_STR(m->symbols, path, s);
	if (s)
		return s;
	s = kca_xcalloc(1, sizeof(*s));
	s->path = kca_xstrdup(path);
	HASH_ADD_KEYPTR(hh, m->symbols, s->path, strlen(s->path), s);
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return s; /* not a file to read (a FIFO would block, a device has side effects) */
	Dwfl *d = dwfl_begin(&offline_callbacks);
	if (!d)
		return s;
	dwfl_report_begin(d);
	Dwfl_Module *mod = dwfl_report_offline(d, path, path, -1);
	dwfl_report_end(d, NULL, NULL);
	if (!mod) {
		dwfl_end(d);
		return s;
	}
	s->dwfl = d;
	s->mod = mod;
	dwfl_module_info(mod, NULL, &s->start, NULL, NULL, NULL, NULL, NULL);
	return s;
}

void kca_symbols_free(struct kca_model *m)
{
	struct kca_module_syms *s, *tmp;
	HASH_ITER(hh, m->symbols, s, tmp)
	{
		HASH_DEL(m->symbols, s);
		if (s->dwfl)
			dwfl_end(s->dwfl);
		free(s->path);
		free(s);
	}
}

/* "MODULE\t0xOFFSET\t" into its parts; 0, or -1 if it is not one. */
static int parse_native(const char *frame, char *module, size_t cap, uint64_t *offset)
{
	const char *tab = strchr(frame, '\t');
	if (!tab || (size_t)(tab - frame) >= cap)
		return -1;
	memcpy(module, frame, (size_t)(tab - frame));
	module[tab - frame] = '\0';
	char *end;
	*offset = strtoull(tab + 1, &end, 16);
	return end == tab + 1 ? -1 : 0;
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

/* Modules between a program and the driver: CUDA's own, the C and C++ runtimes, the loader. */
static int library_module(const char *path)
{
	static const char *const prefixes[] = {"libcuda",   "libnvrtc",	 "libnvJitLink", "libnvidia",
					       "libcupti",  "libkcprof", "libc.so",	 "libc-",
					       "ld-linux",  "libstdc++", "libgcc_s",	 "libpthread",
					       "libdl.",    "libcublas", "libcudnn"};
	const char *b = base_name(path);
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(b, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

int kca_native_frame(struct kca_model *m, const char *frame, const char *cwd, char *where,
		     size_t wcap, char *func, size_t fcap)
{
	char module[PATH_MAX], path[PATH_MAX + 8];
	uint64_t offset;
	if (parse_native(frame, module, sizeof(module), &offset) < 0)
		return -1;
	/* the program itself may be named as it was run: from its directory */
	if (module[0] != '/' && cwd && strcmp(module, "?") != 0)
		snprintf(path, sizeof(path), "%s/%s", cwd, module);
	else
		snprintf(path, sizeof(path), "%s", module);
	snprintf(where, wcap, "%s+0x%llx", base_name(module), (unsigned long long)offset);
	snprintf(func, fcap, "?");
	struct kca_module_syms *s = strcmp(module, "?") ? module_syms(m, path) : NULL;
	if (!s || !s->mod)
		return 0;
	/* a return address: the call is the instruction before it */
	GElf_Addr addr = s->start + offset - (offset ? 1 : 0);
	const char *name = dwfl_module_addrname(s->mod, addr);
	if (name)
		snprintf(func, fcap, "%s", name);
	Dwfl_Line *line = dwfl_module_getsrc(s->mod, addr);
	int lineno = 0;
	const char *src = line ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
	if (src && lineno > 0)
		snprintf(where, wcap, "%s:%d", kca_path_under(src, cwd), lineno);
	return 0;
}

/* Code nvcc puts in the program between its launch and the driver: the CUDA runtime linked
 * in statically, and each kernel's host stub (named as the kernel, or __device_stub__..., from
 * a .cudafe1.stub.c). */
static int cuda_generated(const char *func, const char *where, const char *const *kernels,
			  unsigned nkernels)
{
	if (strncmp(func, "libcudart_static_", 17) == 0 || strncmp(func, "__cuda", 6) == 0 ||
	    strstr(func, "__device_stub__") || strstr(where, ".cudafe1.stub.c"))
		return 1;
	for (unsigned k = 0; k < nkernels; k++)
		if (strcmp(func, kernels[k]) == 0)
			return 1;
	return 0;
}

int kca_native_user_frame(struct kca_model *m, const char *const *frames, unsigned n,
			  const char *cwd, const char *const *kernels, unsigned nkernels,
			  char *where, size_t wcap, char *func, size_t fcap)
{
	if (!n)
		return -1;
	/* the first frame of the program's own code with a source line; else without one; else
	 * the innermost */
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < n; i++) {
			char module[PATH_MAX];
			uint64_t offset;
			if (parse_native(frames[i], module, sizeof(module), &offset) < 0 ||
			    library_module(module) ||
			    kca_native_frame(m, frames[i], cwd, where, wcap, func, fcap) < 0 ||
			    cuda_generated(func, where, kernels, nkernels))
				continue;
			if (pass == 1 || !strstr(where, "+0x"))
				return 0;
		}
	return kca_native_frame(m, frames[0], cwd, where, wcap, func, fcap);
}
