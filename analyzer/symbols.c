/* symbols.c - native call sites named: the function and source line at an offset of a module
 * (a program or a shared library), from its symbol table and DWARF through libdw's offline
 * reporting, each module read once a model. A return address inside code the compiler inlined
 * names each level (the inlined function at its line, then its caller at the call's line), as
 * addr2line -i does, so a frame of a header's inline wrapper (nvJitLink.h's nvJitLinkComplete)
 * is passed over for the program's line that called it. C++ names are demangled, their
 * parameter lists left out. A module that cannot be read (another machine, stripped, moved)
 * leaves its frames as "module+0xoffset". */
#include <ctype.h>
#include <dlfcn.h>
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <limits.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "../common/kc_hash.h"
#include "kca.h"
#include "model.h"

/* A frame's names, resolved once a model: innermost (inlined) level first, every level. */
struct kca_native_names {
	char *key; /* the recorded frame, its process's directory and its trace's, by newlines */
	int rc;	   /* kca_native_frames' result */
	unsigned n, cap;
	struct kca_native_name *names;
	UT_hash_handle hh;
};

struct kca_module_syms {
	char *path;
	Dwfl *dwfl; /* NULL: not readable */
	Dwfl_Module *mod;
	GElf_Addr start;   /* where libdw placed the module: its load address's stand-in */
	char build_id[72]; /* its GNU build-id in hex, "" if none */
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
	const unsigned char *bits;
	GElf_Addr vaddr;
	int nbits = dwfl_module_build_id(mod, &bits, &vaddr);
	if (nbits > 0)
		kc_bytes_hex(bits, (size_t)nbits, s->build_id, sizeof(s->build_id));
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
	struct kca_native_names *n, *ntmp;
	HASH_ITER(hh, m->native_names, n, ntmp)
	{
		HASH_DEL(m->native_names, n);
		free(n->key);
		free(n->names);
		free(n);
	}
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

int kca_archived_module_path(const char *trace_dir, const char *build_id, const char *module,
			     char *out, size_t cap)
{
	if (!build_id[0] || strspn(build_id, "0123456789abcdef") != strlen(build_id))
		return -1; /* a build-id only: never a path of the trace's choosing */
	int n = snprintf(out, cap, "%s/" KCA_ARCHIVE_MODULES "/%s/%s", trace_dir, build_id,
			 base_name(module));
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

int kca_module_build_id(struct kca_model *m, const char *path, char *hex, size_t cap)
{
	struct kca_module_syms *s = module_syms(m, path);
	if (!s->mod)
		return -1;
	snprintf(hex, cap, "%s", s->build_id);
	return 0;
}

/* ---- C++ names ---------------------------------------------------------------------------- */

/* The C++ runtime's demangler, found when first needed (the analyzer is C and needs it only
 * for C++ programs' frames); NULL where there is none: names stay as they are. */
typedef char *(*cxa_demangle_fn)(const char *, char *, size_t *, int *);
static cxa_demangle_fn demangler(void)
{
	static int tried;
	static cxa_demangle_fn fn;
	if (!tried) {
		tried = 1;
		void *h = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);
		void *sym = h ? dlsym(h, "__cxa_demangle") : NULL;
		memcpy(&fn, &sym, sizeof(fn));
	}
	return fn;
}

/* Template arguments of s[0, len) as "<…>" into out (room for 5 * len + 1): the '<' of
 * operator<, operator<<, operator<=> kept, and '<' '>' inside parentheses (an expression
 * among the arguments) not counted. */
static size_t elide_templates(const char *s, size_t len, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		if (s[i] != '<') {
			out[o++] = s[i++];
			continue;
		}
		if (i >= 8 && strncmp(s + i - 8, "operator", 8) == 0) {
			while (i < len && strchr("<=>", s[i]))
				out[o++] = s[i++];
			continue;
		}
		int depth = 0, parens = 0;
		do {
			parens += s[i] == '(' ? 1 : s[i] == ')' ? -1 : 0;
			if (parens == 0)
				depth += s[i] == '<' ? 1 : s[i] == '>' ? -1 : 0;
		} while (++i < len && depth > 0);
		memcpy(out + o, "<…>", strlen("<…>"));
		o += strlen("<…>");
	}
	out[o] = '\0';
	return o;
}

/* After the return type of a function template's name ("void ops::add<…>"): past the last
 * space outside brackets, unless it belongs to an operator's name ("operator new"). */
static const char *past_return_type(const char *s)
{
	const char *after = s;
	int depth = 0;
	for (const char *p = s; *p; p++) {
		if (depth == 0 && strncmp(p, "operator", 8) == 0 &&
		    (p == s || p[-1] == ':' || p[-1] == ' ') && !isalnum((unsigned char)p[8]) &&
		    p[8] != '_')
			break; /* "operator unsigned long": spaces of an operator's name */
		depth += strchr("(<{[", *p) ? 1 : strchr(")>}]", *p) ? -1 : 0;
		if (*p == ' ' && depth == 0 && p[1])
			after = p + 1;
	}
	return after;
}

/* A symbol demangled to its function's name, the parameters and return type left out, its
 * template arguments elided ("<…>") or whole. */
static void function_name(const char *name, char *out, size_t cap, int elide)
{
	cxa_demangle_fn fn = strncmp(name, "_Z", 2) == 0 ? demangler() : NULL;
	int status = -1;
	char *d = fn ? fn(name, NULL, NULL, &status) : NULL;
	if (!d || status != 0) { /* as it is, less a symbol's version ("...@@GLIBC_2.34") */
		snprintf(out, cap, "%.*s", (int)strcspn(name, "@"), name);
		free(d);
		return;
	}
	size_t len = strlen(d);
	if (len && d[len - 1] != ')') { /* "f(int) const", "f() &": the parameters' end */
		const char *close = strrchr(d, ')');
		if (close)
			len = (size_t)(close - d) + 1;
	}
	if (len && d[len - 1] == ')') { /* the matching '(' */
		int depth = 0;
		for (size_t i = len; i-- > 0;) {
			depth += d[i] == ')' ? 1 : d[i] == '(' ? -1 : 0;
			if (depth == 0) {
				len = i;
				break;
			}
		}
	}
	char *short_name = kca_xmalloc(5 * len + 1); /* at worst each '<' becomes "<…>" */
	if (elide) {
		elide_templates(d, len, short_name);
	} else {
		memcpy(short_name, d, len);
		short_name[len] = '\0';
	}
	snprintf(out, cap, "%s", past_return_type(short_name));
	free(short_name);
	free(d);
}

void kca_function_name(const char *name, char *out, size_t cap)
{
	function_name(name, out, cap, 1);
}

int kca_template_args(const char *symbol, char (*args)[64], unsigned max)
{
	char full[1024];
	if (strncmp(symbol, "_Z", 2) != 0)
		return 0;
	function_name(symbol, full, sizeof(full), 0);
	size_t len = strlen(full);
	if (!len || full[len - 1] != '>')
		return 0;
	size_t open = len - 1; /* the '<' that the last '>' closes */
	for (int depth = 0;; open--) {
		depth += full[open] == '>' ? 1 : full[open] == '<' ? -1 : 0;
		if (depth == 0 || open == 0)
			break;
	}
	if (full[open] != '<')
		return 0;
	unsigned n = 0;
	int depth = 0;
	size_t start = open + 1;
	for (size_t i = open + 1; i < len && n < max; i++) {
		depth += strchr("(<[", full[i]) ? 1 : strchr(")>]", full[i]) ? -1 : 0;
		if ((depth == 0 && full[i] == ',') || depth < 0) {
			while (full[start] == ' ')
				start++;
			snprintf(args[n++], sizeof(args[0]), "%.*s", (int)(i - start),
				 full + start);
			start = i + 1;
		}
	}
	return (int)n;
}

/* ---- numba's kernels ------------------------------------------------------------------------

 * numba mangles a kernel as _ZN<qualified name>B<n>v<uid>B<n><flags>E<argument types>: the uid
 * numbers the dispatcher (each @cuda.jit object, each made by a factory: a new one), the types
 * the specialisation. Either makes a new symbol for what the program calls one kernel. */

/* A name component as numba wrote it, its escapes of the two it makes itself written back:
 * "_3clocals_3e" (a function defined inside another), "_3clambda_3e". */
static size_t numba_component(const char *p, size_t len, char *out, size_t cap)
{
	static const char *const escaped[][2] = {{"_3clocals_3e", "<locals>"},
						 {"_3clambda_3e", "<lambda>"}};
	for (size_t i = 0; i < sizeof(escaped) / sizeof(escaped[0]); i++)
		if (len == strlen(escaped[i][0]) && memcmp(p, escaped[i][0], len) == 0)
			return (size_t)snprintf(out, cap, "%s", escaped[i][1]);
	return (size_t)snprintf(out, cap, "%.*s", (int)len, p);
}

int kca_numba_kernel(const char *symbol, char *out, size_t cap, const char **args)
{
	if (strncmp(symbol, "_ZN", 3) != 0 || cap == 0)
		return 0;
	const char *p = symbol + 3;
	size_t n = 0;
	int uid = 0;
	out[0] = '\0';
	while (*p && *p != 'E') {
		int tag = *p == 'B';
		char *end;
		unsigned long len = strtoul(p + tag, &end, 10);
		if (end == p + tag || len == 0 || strnlen(end, len) < len)
			return 0;
		if (!tag && n < cap) {
			n += (size_t)snprintf(out + n, cap - n, "%s", n ? "::" : "");
			if (n < cap)
				n += numba_component(end, len, out + n, cap - n);
		} else if (tag && end[0] == 'v' && len >= 2 &&
			   strspn(end + 1, "0123456789") >= len - 1) {
			uid = 1;
		}
		p = end + len;
	}
	if (!uid || *p != 'E' || n >= cap)
		return 0;
	if (args)
		*args = p + 1;
	return 1;
}

/* numba's name for an Itanium builtin type code, and how many characters the code takes. */
static const char *numba_scalar(const char *p, size_t *len)
{
	static const char *const codes[][2] = {
	    {"Dh", "float16"}, {"f", "float32"}, {"d", "float64"}, {"a", "int8"},   {"c", "int8"},
	    {"h", "uint8"},    {"s", "int16"},	 {"t", "uint16"},  {"i", "int32"},  {"j", "uint32"},
	    {"l", "int64"},    {"x", "int64"},	 {"m", "uint64"},  {"y", "uint64"}, {"b", "bool"}};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		size_t n = strlen(codes[i][0]);
		if (strncmp(p, codes[i][0], n) == 0) {
			*len = n;
			return codes[i][1];
		}
	}
	return NULL;
}

/* One argument type of numba's mangling at *pp, as numba prints it ("float32",
 * "array(float32, 1d, C)"); *pp moved past it. 0, or -1 where it is none numba writes. */
static int numba_arg(const char **pp, char *out, size_t cap)
{
	const char *p = *pp;
	size_t len;
	const char *scalar = numba_scalar(p, &len);
	if (scalar) {
		snprintf(out, cap, "%s", scalar);
		*pp = p + len;
		return 0;
	}
	/* 5ArrayI<dtype>Li<ndim>E1<layout><more tags>E */
	if (strncmp(p, "5ArrayI", 7) != 0)
		return -1;
	p += 7;
	scalar = numba_scalar(p, &len);
	if (!scalar || strncmp(p + len, "Li", 2) != 0)
		return -1;
	p += len + 2;
	char *end;
	unsigned long ndim = strtoul(p, &end, 10);
	if (end == p || *end != 'E')
		return -1;
	p = end + 1;
	char layout[8] = "";
	if (*p == '1' && p[1]) { /* "1C", "1F", "1A" */
		snprintf(layout, sizeof(layout), "%c", p[1]);
		p += 2;
	}
	while (*p && *p != 'E') { /* mutable, aligned, readonly: names of their length */
		unsigned long n = strtoul(p, &end, 10);
		if (end == p || strnlen(end, n) < n)
			return -1;
		p = end + n;
	}
	if (*p != 'E')
		return -1;
	snprintf(out, cap, "array(%s, %lud%s%s)", scalar, ndim, *layout ? ", " : "", layout);
	*pp = p + 1;
	return 0;
}

int kca_numba_arg_types(const char *symbol, char (*types)[64], unsigned max)
{
	char name[512];
	const char *p;
	if (!kca_numba_kernel(symbol, name, sizeof(name), &p))
		return -1;
	unsigned n = 0;
	while (*p && n < max)
		if (numba_arg(&p, types[n++], sizeof(types[0])) < 0)
			return -1;
	return *p ? -1 : (int)n;
}

void kca_kernel_display_name(const char *symbol, char *out, size_t cap)
{
	if (kca_numba_kernel(symbol, out, cap, NULL))
		return;
	if (strncmp(symbol, "_Z", 2) == 0)
		kca_function_name(symbol, out, cap);
	else
		snprintf(out, cap, "%s", symbol);
}

struct kernel_symbol { /* a symbol and the name it reads as */
	char *symbol, *shown, *printable_symbol;
	int added; /* by kca_kernel_names_add: else named by its symbol */
	UT_hash_handle hh;
};
struct kernel_shown { /* a name shown and how many symbols read as it */
	char *shown;
	unsigned symbols;
	UT_hash_handle hh;
};
struct kca_kernel_names {
	struct kernel_symbol *by_symbol;
	struct kernel_shown *by_shown;
};

struct kca_kernel_names *kca_kernel_names_new(void)
{
	return kca_xcalloc(1, sizeof(struct kca_kernel_names));
}

/* s made printable whole (kca_printable: a control byte takes four) */
static char *printable_copy(const char *s)
{
	size_t cap = 4 * strlen(s) + 6;
	char *buf = kca_xmalloc(cap);
	kca_printable(s, buf, cap);
	return buf;
}

/* symbol's entry, made if new: counted among its shown name's symbols where `add`
 * (kca_kernel_names_add); a symbol only named is left out, so that naming it changes no name
 * given, and goes by its symbol */
static struct kernel_symbol *kernel_names_add(struct kca_kernel_names *t, const char *symbol,
					      int add)
{
	struct kernel_symbol *e;
	HASH_FIND_STR(t->by_symbol, symbol, e);
	if (!e) {
		char shown[1024];
		kca_kernel_display_name(symbol, shown, sizeof(shown));
		e = kca_xcalloc(1, sizeof(*e));
		e->symbol = kca_xstrdup(symbol);
		e->shown = printable_copy(shown);
		e->printable_symbol = printable_copy(symbol);
		HASH_ADD_KEYPTR(hh, t->by_symbol, e->symbol, strlen(e->symbol), e);
	}
	if (add && !e->added) {
		e->added = 1;
		struct kernel_shown *n;
		HASH_FIND_STR(t->by_shown, e->shown, n);
		if (!n) {
			n = kca_xcalloc(1, sizeof(*n));
			n->shown = kca_xstrdup(e->shown);
			HASH_ADD_KEYPTR(hh, t->by_shown, n->shown, strlen(n->shown), n);
		}
		n->symbols++;
	}
	return e;
}

void kca_kernel_names_add(struct kca_kernel_names *t, const char *symbol)
{
	kernel_names_add(t, symbol, 1);
}

const char *kca_kernel_name(struct kca_kernel_names *t, const char *symbol)
{
	struct kernel_symbol *e = kernel_names_add(t, symbol, 0);
	struct kernel_shown *n = NULL;
	if (e->added)
		HASH_FIND_STR(t->by_shown, e->shown, n);
	return n && n->symbols == 1 ? e->shown : e->printable_symbol;
}

void kca_kernel_names_free(struct kca_kernel_names *t)
{
	if (!t)
		return;
	struct kernel_symbol *e, *etmp;
	HASH_ITER(hh, t->by_symbol, e, etmp)
	{
		HASH_DEL(t->by_symbol, e);
		free(e->symbol);
		free(e->shown);
		free(e->printable_symbol);
		free(e);
	}
	struct kernel_shown *n, *ntmp;
	HASH_ITER(hh, t->by_shown, n, ntmp)
	{
		HASH_DEL(t->by_shown, n);
		free(n->shown);
		free(n);
	}
	free(t);
}

/* "MODULE\t0xOFFSET\tBUILD_ID" into its parts (*build_id: after the second tab, "" when
 * not recorded); 0, or -1 if it is not one. */
static int parse_native(const char *frame, char *module, size_t cap, uint64_t *offset,
			const char **build_id)
{
	const char *tab = strchr(frame, '\t');
	if (!tab || (size_t)(tab - frame) >= cap)
		return -1;
	memcpy(module, frame, (size_t)(tab - frame));
	module[tab - frame] = '\0';
	char *end;
	*offset = strtoull(tab + 1, &end, 16);
	*build_id = *end == '\t' ? end + 1 : "";
	return end == tab + 1 ? -1 : 0;
}

int kca_native_frame_module(const char *frame, char *module, size_t cap, const char **build_id)
{
	uint64_t offset;
	return parse_native(frame, module, cap, &offset, build_id);
}

/* Modules between a program and the driver: CUDA's own, the C and C++ runtimes, the loader. */
int kca_library_module(const char *path)
{
	static const char *const prefixes[] = {
	    "libcuda",	 "libnvrtc",   "libnvJitLink", "libnvidia", "libcupti",
	    "libkcprof", "libc.so",    "libc-",	       "ld-linux",  "libstdc++",
	    "libgcc_s",	 "libpthread", "libdl.",       "libcublas", "libcudnn"};
	const char *b = base_name(path);
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(b, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

/* A level's function: its raw name (kept in the model, for exact comparisons) and the name
 * shown (kca_function_name). */
static void set_function(struct kca_model *m, struct kca_native_name *o, const char *raw)
{
	o->raw = raw ? kca_model_strdup(m, raw) : NULL;
	kca_function_name(raw ? raw : "?", o->func, sizeof(o->func));
}

/* A DIE's function name: its linkage name (C++: mangled, qualified), else its name. */
static const char *die_function_name(Dwarf_Die *die)
{
	Dwarf_Attribute mem;
	const char *name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &mem));
	if (!name)
		name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &mem));
	return name ? name : dwarf_diename(die);
}

/* A line table's source path: a relative one (gcc -g src/a.c names "src/a.c") is relative to
 * the compilation's directory, not to the process's, so it is joined to comp_dir; "." and ".."
 * are taken out ("/b/../src/a.c" is "/src/a.c"). Into buf; src itself where it is relative and
 * no directory is known. */
static const char *source_path(const char *src, const char *comp_dir, char *buf, size_t cap)
{
	if (!src || (src[0] != '/' && (!comp_dir || comp_dir[0] != '/')))
		return src;
	char joined[PATH_MAX * 2]; /* an absolute one has its "." and ".." taken out too */
	if (kca_path_in(src, comp_dir, joined, sizeof(joined)) < 0)
		return src;
	size_t n = 0; /* buf holds "/a/b" without a trailing '/'; n its length */
	for (char *part = joined; *part;) {
		size_t len = strcspn(part, "/");
		if (len == 2 && part[0] == '.' && part[1] == '.') {
			while (n > 0 && buf[--n] != '/')
				;
		} else if (len && !(len == 1 && part[0] == '.')) {
			if (n + 1 + len + 1 > cap)
				return src;
			buf[n++] = '/';
			memcpy(buf + n, part, len);
			n += len;
		}
		part += len + (part[len] == '/');
	}
	if (n == 0)
		buf[n++] = '/';
	buf[n] = '\0';
	return buf;
}

/* Levels of inlining at addr, innermost first, from the DWARF scopes, appended to e: level 0
 * at the line table's line; each outer level at the call's line of the inlined one inside it.
 * Returns how many were added (0: no DWARF scope there); *outermost: whether the last is the
 * function itself (DW_TAG_subprogram). */
static unsigned inline_levels(struct kca_model *m, Dwfl_Module *mod, GElf_Addr addr,
			      const char *src0, int line0, const char *cwd,
			      struct kca_native_names *e, int *outermost)
{
	*outermost = 0;
	Dwarf_Addr bias;
	Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, &bias);
	Dwarf_Die *scopes = NULL;
	int ns = cu ? dwarf_getscopes(cu, addr - bias, &scopes) : -1;
	if (ns <= 0) {
		free(scopes);
		return 0;
	}
	/* dwarf_getscopes goes from an inlined instance to its abstract definition's scopes;
	 * the scopes the instance is in (the functions it was inlined into) are these: */
	Dwarf_Die inner = scopes[0];
	free(scopes);
	scopes = NULL;
	ns = dwarf_getscopes_die(&inner, &scopes);
	if (ns <= 0) {
		free(scopes);
		return 0;
	}
	Dwarf_Files *files = NULL;
	size_t nfiles = 0;
	if (dwarf_getsrcfiles(cu, &files, &nfiles) != 0)
		files = NULL;
	Dwarf_Attribute dir_attr;
	const char *comp_dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &dir_attr));
	char path[PATH_MAX];
	unsigned n = 0;
	const char *src = src0;
	int line = line0;
	for (int i = 0; i < ns; i++) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram)
			continue;
		KCA_GROW(e->names, e->n, e->cap);
		struct kca_native_name *o = &e->names[e->n++];
		memset(o, 0, sizeof(*o));
		n++;
		set_function(m, o, die_function_name(&scopes[i]));
		if (src && line > 0)
			snprintf(o->where, sizeof(o->where), "%s:%d", kca_path_under(src, cwd),
				 line);
		if (tag == DW_TAG_subprogram) {
			*outermost = 1;
			break;
		}
		/* the caller's level: where this one was inlined into it */
		Dwarf_Attribute mem;
		Dwarf_Word file = 0, cline = 0;
		if (dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_file, &mem), &file) != 0 ||
		    dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_line, &mem), &cline) != 0 ||
		    !files || file >= nfiles) {
			src = NULL;
			line = 0;
		} else {
			src = source_path(dwarf_filesrc(files, file, NULL, NULL), comp_dir, path,
					  sizeof(path));
			line = (int)cline;
		}
	}
	free(scopes);
	return n;
}

/* frame's levels named (uncached) into e: see kca_native_frames. 0, or -1. */
static int resolve_frame(struct kca_model *m, const char *frame, const char *cwd,
			 const char *trace_dir, struct kca_native_names *e)
{
	char module[PATH_MAX], path[PATH_MAX + 8];
	uint64_t offset;
	const char *build_id;
	if (parse_native(frame, module, sizeof(module), &offset, &build_id) < 0)
		return -1;
	/* the program itself may be named as it was run: from its directory */
	if (module[0] != '/' && cwd && strcmp(module, "?") != 0)
		snprintf(path, sizeof(path), "%s/%s", cwd, module);
	else
		snprintf(path, sizeof(path), "%s", module);
	struct kca_native_name sym; /* the frame as its symbol and line table name it */
	memset(&sym, 0, sizeof(sym));
	snprintf(sym.where, sizeof(sym.where), "%s+0x%llx", base_name(module),
		 (unsigned long long)offset);
	snprintf(sym.func, sizeof(sym.func), "?");
	struct kca_module_syms *s = strcmp(module, "?") ? module_syms(m, path) : NULL;
	/* the file read must be the one that ran (a rebuilt program's lines would be wrong):
	 * else the copy 'kcprof archive' made of it, by its build-id */
	if (s && build_id[0] && (!s->mod || strcmp(build_id, s->build_id) != 0) && trace_dir) {
		char copy[PATH_MAX];
		if (kca_archived_module_path(trace_dir, build_id, module, copy, sizeof(copy)) ==
		    0) {
			struct kca_module_syms *a = module_syms(m, copy);
			if (a->mod && strcmp(build_id, a->build_id) == 0)
				s = a;
		}
	}
	if (s && s->mod && build_id[0] && strcmp(build_id, s->build_id) != 0) {
		snprintf(sym.where, sizeof(sym.where), "%s+0x%llx [rebuilt since the recording]",
			 base_name(module), (unsigned long long)offset);
		s = NULL;
	}
	GElf_Addr addr = 0;
	const char *name = NULL, *src = NULL;
	char src_path[PATH_MAX];
	int lineno = 0;
	if (s && s->mod) {
		/* a return address: the call is the instruction before it */
		addr = s->start + offset - (offset ? 1 : 0);
		name = dwfl_module_addrname(s->mod, addr);
		if (name)
			set_function(m, &sym, name);
		Dwfl_Line *line = dwfl_module_getsrc(s->mod, addr);
		src = line ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
		src = source_path(src, line ? dwfl_line_comp_dir(line) : NULL, src_path,
				  sizeof(src_path));
		if (src && lineno > 0)
			snprintf(sym.where, sizeof(sym.where), "%s:%d", kca_path_under(src, cwd),
				 lineno);
	}
	int outermost = 0;
	unsigned nl =
	    s && s->mod ? inline_levels(m, s->mod, addr, src, lineno, cwd, e, &outermost) : 0;
	if (nl <= 1) { /* not inlined: the symbol's name and line */
		e->n = 0;
		KCA_GROW(e->names, e->n, e->cap);
		e->names[e->n++] = sym;
		return 0;
	}
	/* inlined code: each level; the symbol's name is the function's, the outermost */
	for (unsigned i = 0; i < e->n; i++)
		if (!e->names[i].where[0])
			snprintf(e->names[i].where, sizeof(e->names[i].where), "%s", sym.where);
	if (name && outermost)
		set_function(m, &e->names[e->n - 1], name);
	return 0;
}

int kca_native_frames(struct kca_model *m, const char *frame, const char *cwd,
		      const char *trace_dir, const struct kca_native_name **out)
{
	/* names depend on the process's directory (relative paths) and the trace's (archived
	 * modules): keyed by all three */
	size_t flen = strlen(frame), clen = cwd ? strlen(cwd) : 0,
	       dlen = trace_dir ? strlen(trace_dir) : 0;
	char *key = kca_xmalloc(flen + clen + dlen + 3);
	memcpy(key, frame, flen);
	key[flen] = '\n';
	memcpy(key + flen + 1, cwd ? cwd : "", clen);
	key[flen + 1 + clen] = '\n';
	memcpy(key + flen + clen + 2, trace_dir ? trace_dir : "", dlen + 1);
	struct kca_native_names *e;
	HASH_FIND_STR(m->native_names, key, e);
	if (e)
		free(key);
	else {
		e = kca_xcalloc(1, sizeof(*e));
		e->key = key;
		e->rc = resolve_frame(m, frame, cwd, trace_dir, e);
		HASH_ADD_KEYPTR(hh, m->native_names, e->key, strlen(e->key), e);
	}
	*out = e->names;
	return e->rc < 0 ? -1 : (int)e->n;
}

int kca_native_frame(struct kca_model *m, const char *frame, const char *cwd, const char *trace_dir,
		     char *where, size_t wcap, char *func, size_t fcap)
{
	const struct kca_native_name *names;
	int n = kca_native_frames(m, frame, cwd, trace_dir, &names);
	if (n < 0)
		return -1;
	snprintf(where, wcap, "%s", names[0].where);
	snprintf(func, fcap, "%s", names[0].func);
	return 0;
}

/* Code nvcc puts in the program between its launch and the driver: the CUDA runtime linked
 * in statically, and each kernel's host stub (named as the kernel, or __device_stub__..., from
 * a .cudafe1.stub.c). */
static int cuda_generated(const struct kca_native_name *level, const char *const *kernels,
			  unsigned nkernels)
{
	const char *raw = level->raw ? level->raw : level->func;
	if (strncmp(raw, "libcudart_static_", 17) == 0 || strncmp(raw, "__cuda", 6) == 0 ||
	    strstr(raw, "__device_stub__") || strstr(level->where, ".cudafe1.stub.c"))
		return 1;
	for (unsigned k = 0; k < nkernels; k++) /* the stub has the kernel's own symbol */
		if (strcmp(raw, kernels[k]) == 0)
			return 1;
	return 0;
}

/* A line in a system's or CUDA's header: an inline wrapper (nvJitLink.h's nvJitLinkComplete,
 * the C++ library's templates) inlined into the program, not the program's own line. */
static int library_source(const char *where)
{
	return strncmp(where, "/usr/include/", 13) == 0 ||
	       strncmp(where, "/usr/local/cuda", 15) == 0 ||
	       strncmp(where, "/opt/nvidia/", 12) == 0 || strstr(where, "/include/c++/") ||
	       strstr(where, "/targets/x86_64-linux/include/") ||
	       strstr(where, "/targets/sbsa-linux/include/");
}

int kca_native_caller_is_program(struct kca_model *m, const char *const *frames, unsigned n,
				 const char *cwd, const char *trace_dir)
{
	char module[PATH_MAX];
	uint64_t offset;
	const char *build_id;
	const struct kca_native_name *names;
	int nn;
	if (!n || parse_native(frames[0], module, sizeof(module), &offset, &build_id) < 0 ||
	    strncmp(base_name(module), "libcudart", 9) == 0 || kca_library_module(module) ||
	    (nn = kca_native_frames(m, frames[0], cwd, trace_dir, &names)) < 1)
		return 0;
	/* each level of inlining at the call: the program's line in one of them (an inline
	 * wrapper from a header may be the innermost), the static runtime's in none */
	int own = 0;
	for (int k = 0; k < nn; k++) {
		if (cuda_generated(&names[k], NULL, 0))
			return 0;
		own |= !library_source(names[k].where) && !strstr(names[k].where, "+0x");
	}
	return own;
}

int kca_native_user_frame(struct kca_model *m, const char *const *frames, unsigned n,
			  const char *cwd, const char *trace_dir, const char *const *kernels,
			  unsigned nkernels, char *where, size_t wcap, char *func, size_t fcap)
{
	if (!n)
		return -1;
	/* the first level of the program's own code with a source line; else without one; else
	 * the innermost */
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < n; i++) {
			char module[PATH_MAX];
			uint64_t offset;
			const char *build_id;
			const struct kca_native_name *names;
			int nn;
			if (parse_native(frames[i], module, sizeof(module), &offset, &build_id) <
				0 ||
			    kca_library_module(module) ||
			    (nn = kca_native_frames(m, frames[i], cwd, trace_dir, &names)) < 0)
				continue;
			for (int k = 0; k < nn; k++) {
				if (cuda_generated(&names[k], kernels, nkernels) ||
				    library_source(names[k].where) ||
				    (pass == 0 && strstr(names[k].where, "+0x")))
					continue;
				snprintf(where, wcap, "%s", names[k].where);
				snprintf(func, fcap, "%s", names[k].func);
				return 0;
			}
		}
	return kca_native_frame(m, frames[0], cwd, trace_dir, where, wcap, func, fcap);
}
