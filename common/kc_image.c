/* kc_image.c - see kc_image.h. ELF through libelf; fatbin and PTX by hand (no library reads
 * them), bounds-checked at every step. */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "kc_image.h"

kc_decompress_fn kc_fatbin_decompress;

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}
static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}
static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* ---- kind and size ------------------------------------------------------------------------ */

static int looks_like_ptx(const uint8_t *p, size_t avail)
{
	/* PTX starts with comments, blank lines or directives; ".version" comes within the
	 * first kilobyte in everything nvcc, NVRTC and Triton write. */
	size_t n = avail < 4096 ? avail : 4096;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\0')
			return 0;
		if (p[i] == '.' && i + 8 <= n && memcmp(p + i, ".version", 8) == 0)
			return 1;
		if (p[i] >= 0x80)
			return 0;
	}
	return 0;
}

enum kc_image_kind kc_image_detect(const void *image, size_t avail)
{
	const uint8_t *p = image;
	if (!p || avail < 4)
		return KC_IMAGE_UNKNOWN;
	if (memcmp(p, "\177ELF", 4) == 0)
		return KC_IMAGE_CUBIN;
	uint32_t magic = rd32(p);
	if (magic == KC_FATBIN_MAGIC || magic == KC_FATBIN_WRAPPER_MAGIC)
		return KC_IMAGE_FATBIN;
	if (looks_like_ptx(p, avail))
		return KC_IMAGE_PTX;
	return KC_IMAGE_UNKNOWN;
}

const void *kc_image_unwrap(const void *image)
{
	const uint8_t *p = image;
	if (p && rd32(p) == KC_FATBIN_WRAPPER_MAGIC) {
		const void *data;
		memcpy(&data, p + 8, sizeof(data));
		return data;
	}
	return image;
}

static size_t elf_extent(const uint8_t *p)
{
	if (p[4] != 2 /* ELFCLASS64 */)
		return 0;
	Elf64_Ehdr eh;
	memcpy(&eh, p, sizeof(eh));
	size_t end = eh.e_ehsize;
	if (eh.e_shoff && eh.e_shentsize >= sizeof(Elf64_Shdr)) {
		size_t shend = eh.e_shoff + (size_t)eh.e_shnum * eh.e_shentsize;
		if (shend > end)
			end = shend;
		for (unsigned i = 0; i < eh.e_shnum; i++) {
			Elf64_Shdr sh;
			memcpy(&sh, p + eh.e_shoff + (size_t)i * eh.e_shentsize, sizeof(sh));
			if (sh.sh_type != SHT_NOBITS && sh.sh_offset + sh.sh_size > end)
				end = sh.sh_offset + sh.sh_size;
		}
	}
	if (eh.e_phoff && eh.e_phentsize >= sizeof(Elf64_Phdr)) {
		size_t phend = eh.e_phoff + (size_t)eh.e_phnum * eh.e_phentsize;
		if (phend > end)
			end = phend;
		for (unsigned i = 0; i < eh.e_phnum; i++) {
			Elf64_Phdr ph;
			memcpy(&ph, p + eh.e_phoff + (size_t)i * eh.e_phentsize, sizeof(ph));
			if (ph.p_offset + ph.p_filesz > end)
				end = ph.p_offset + ph.p_filesz;
		}
	}
	return end;
}

size_t kc_image_size(const void *image, enum kc_image_kind kind)
{
	const uint8_t *p = image;
	if (!p)
		return 0;
	switch (kind) {
	case KC_IMAGE_CUBIN:
		return elf_extent(p);
	case KC_IMAGE_FATBIN:
		p = kc_image_unwrap(p);
		if (!p || rd32(p) != KC_FATBIN_MAGIC)
			return 0;
		return (size_t)rd16(p + 6) + (size_t)rd64(p + 8);
	case KC_IMAGE_PTX:
		return strlen((const char *)p);
	default:
		return 0;
	}
}

unsigned kc_cubin_sm(const void *image, size_t size)
{
	const uint8_t *p = image;
	if (size < sizeof(Elf64_Ehdr) || memcmp(p, "\177ELF", 4) != 0 || p[4] != 2)
		return 0;
	Elf64_Ehdr eh;
	memcpy(&eh, p, sizeof(eh));
	if (eh.e_machine != KC_EM_CUDA)
		return 0;
	/* ABI 8 (CUDA 12.9+) keeps the SM in bits 8-15; ABI 7 (older ptxas, Triton's) in 0-7. */
	return eh.e_ident[EI_ABIVERSION] >= 8 ? (eh.e_flags >> 8) & 0xff : eh.e_flags & 0xff;
}

/* ---- kernel names, each once -------------------------------------------------------------- */

struct seen_name {
	UT_hash_handle hh;
	size_t len;
	char name[];
};
struct name_sink {
	kc_name_fn fn;
	void *ctx;
	struct seen_name *seen;
	int count;
	int stop;
};

static void sink_name(struct name_sink *s, const char *name, size_t len)
{
	if (s->stop || len == 0)
		return;
	struct seen_name *e;
	HASH_FIND(hh, s->seen, name, len, e);
	if (e)
		return;
	e = malloc(sizeof(*e) + len + 1);
	if (!e)
		return;
	e->len = len;
	memcpy(e->name, name, len);
	e->name[len] = '\0';
	HASH_ADD_KEYPTR(hh, s->seen, e->name, len, e);
	s->count++;
	if (s->fn && s->fn(e->name, len, s->ctx))
		s->stop = 1;
}

static void sink_free(struct name_sink *s)
{
	struct seen_name *e, *tmp;
	HASH_ITER(hh, s->seen, e, tmp)
	{
		HASH_DEL(s->seen, e);
		free(e);
	}
}

static pthread_once_t elf_once = PTHREAD_ONCE_INIT;
static void elf_init(void)
{
	elf_version(EV_CURRENT);
}

/* STO_CUDA_ENTRY: nvcc marks __global__ functions in st_other. */
#define KC_STO_CUDA_ENTRY 0x10

static int cubin_kernels(const uint8_t *p, size_t size, struct name_sink *s)
{
	pthread_once(&elf_once, elf_init);
	Elf *elf = elf_memory((char *)p, size);
	if (!elf)
		return -EINVAL;
	int rc = -EINVAL;
	GElf_Ehdr eh;
	if (!gelf_getehdr(elf, &eh) || eh.e_machine != KC_EM_CUDA)
		goto out;
	rc = 0;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || sh.sh_entsize == 0)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		size_t n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < n; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(data, (int)i, &sym))
				break;
			if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF ||
			    !(sym.st_other & KC_STO_CUDA_ENTRY))
				continue;
			const char *name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (name)
				sink_name(s, name, strlen(name));
		}
	}
out:
	elf_end(elf);
	return rc;
}

static int is_ident_start(int c)
{
	return c == '_' || c == '$' || c == '%' || (unsigned)((c | 32) - 'a') < 26u;
}
static int is_ident(int c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static int ptx_kernels(const uint8_t *p, size_t size, struct name_sink *s)
{
	const char *t = (const char *)p, *end = t + size;
	while (t < end) {
		const char *nl = memchr(t, '\n', (size_t)(end - t));
		const char *line_end = nl ? nl : end;
		const char *c = t;
		while (c < line_end && (*c == ' ' || *c == '\t'))
			c++;
		static const char *const prefixes[] = {".visible", ".weak", ".extern"};
		for (int i = 0; i < 3; i++) {
			size_t pl = strlen(prefixes[i]);
			if ((size_t)(line_end - c) > pl && memcmp(c, prefixes[i], pl) == 0 &&
			    (c[pl] == ' ' || c[pl] == '\t')) {
				c += pl;
				while (c < line_end && (*c == ' ' || *c == '\t'))
					c++;
				break;
			}
		}
		if ((size_t)(line_end - c) > 6 && memcmp(c, ".entry", 6) == 0 &&
		    (c[6] == ' ' || c[6] == '\t')) {
			c += 6;
			while (c < line_end && (*c == ' ' || *c == '\t'))
				c++;
			const char *n0 = c;
			if (c < line_end && is_ident_start((unsigned char)*c))
				while (c < line_end && is_ident((unsigned char)*c))
					c++;
			if (c > n0)
				sink_name(s, n0, (size_t)(c - n0));
		}
		if (!nl || s->stop)
			break;
		t = nl + 1;
	}
	return 0;
}

/* ---- fatbin ------------------------------------------------------------------------------- */

#define FATBIN_HDR 16
#define ENTRY_MIN 0x40

static unsigned entry_kind(uint16_t k)
{
	switch (k) {
	case 1:
		return KC_IMAGE_PTX;
	case 2:
		return KC_IMAGE_CUBIN;
	case 8:
		return KC_IMAGE_LTOIR;
	default:
		return KC_IMAGE_UNKNOWN;
	}
}

int kc_fatbin_walk(const void *image, size_t size, kc_fatbin_fn fn, void *ctx)
{
	const uint8_t *p = image;
	size_t off = 0;
	int count = 0;
	while (off + FATBIN_HDR <= size) {
		if (rd32(p + off) != KC_FATBIN_MAGIC)
			break;
		size_t hs = rd16(p + off + 6);
		uint64_t fs = rd64(p + off + 8);
		if (hs < FATBIN_HDR || fs > size || off + hs + fs > size)
			return count ? count : -EINVAL;
		size_t end = off + hs + (size_t)fs;
		size_t e = off + hs;
		while (e + ENTRY_MIN <= end) {
			size_t ehs = rd32(p + e + 4);
			uint64_t sz = rd64(p + e + 8);
			if (ehs < ENTRY_MIN || ehs > end - e || sz > end - e - ehs)
				return count ? count : -EINVAL;
			struct kc_fatbin_entry ent = {
			    .kind = entry_kind(rd16(p + e)),
			    .sm = rd32(p + e + 0x1c),
			    .flags = rd64(p + e + 0x28),
			    .data = p + e + ehs,
			    .size = (size_t)sz,
			    .raw_size = (size_t)sz,
			    .offset = e,
			};
			uint32_t csz = rd32(p + e + 0x10);
			if (ent.flags & (KC_FATBIN_F_LZ4 | KC_FATBIN_F_ZSTD)) {
				ent.size = csz <= sz ? csz : (size_t)sz;
				ent.raw_size = (size_t)rd64(p + e + 0x38);
			}
			count++;
			if (fn && fn(&ent, ctx))
				return count;
			e += ehs + (size_t)sz;
		}
		off = end;
		off = (off + 7) & ~(size_t)7; /* fatbins follow each other 8-aligned */
	}
	return count ? count : -EINVAL;
}

void *kc_fatbin_entry_payload(const struct kc_fatbin_entry *e, size_t *size)
{
	if (e->raw_size > (1u << 30))
		return NULL;
	void *out = malloc(e->raw_size ? e->raw_size : 1);
	if (!out)
		return NULL;
	if (e->flags & (KC_FATBIN_F_LZ4 | KC_FATBIN_F_ZSTD)) {
		long n =
		    kc_fatbin_decompress ? kc_fatbin_decompress(e, out, e->raw_size) : -ENOTSUP;
		if (n < 0) {
			free(out);
			return NULL;
		}
		*size = (size_t)n;
	} else {
		memcpy(out, e->data, e->size);
		*size = e->size;
	}
	return out;
}

static int fatbin_entry_names(const struct kc_fatbin_entry *e, void *ctx)
{
	struct name_sink *s = ctx;
	if (e->kind != KC_IMAGE_CUBIN && e->kind != KC_IMAGE_PTX)
		return 0;
	size_t n = 0;
	const uint8_t *data = e->data;
	void *owned = NULL;
	if (e->flags & (KC_FATBIN_F_LZ4 | KC_FATBIN_F_ZSTD)) {
		if (!kc_fatbin_decompress)
			return 0;
		owned = kc_fatbin_entry_payload(e, &n);
		if (!owned)
			return 0;
		data = owned;
	} else {
		n = e->size;
	}
	if (e->kind == KC_IMAGE_CUBIN)
		cubin_kernels(data, n, s);
	else
		ptx_kernels(data, strnlen((const char *)data, n), s);
	free(owned);
	return s->stop;
}

int kc_image_kernels(const void *image, size_t size, enum kc_image_kind kind, kc_name_fn fn,
		     void *ctx)
{
	if (!image || size == 0)
		return -EINVAL;
	struct name_sink s = {.fn = fn, .ctx = ctx};
	int rc = 0;
	switch (kind) {
	case KC_IMAGE_CUBIN:
		rc = cubin_kernels(image, size, &s);
		break;
	case KC_IMAGE_PTX:
		rc = ptx_kernels(image, strnlen(image, size), &s);
		break;
	case KC_IMAGE_FATBIN:
		rc = kc_fatbin_walk(image, size, fatbin_entry_names, &s);
		rc = rc < 0 ? rc : 0;
		break;
	default:
		rc = -ENOTSUP;
	}
	sink_free(&s);
	return rc < 0 ? rc : s.count;
}

/* ---- compiler command lines -------------------------------------------------------------- */

const char *kc_compiler_output(const char *const *argv, unsigned argc)
{
	for (unsigned i = 1; i < argc; i++) {
		const char *o = argv[i];
		if ((strcmp(o, "-o") == 0 || strcmp(o, "--output-file") == 0) && i + 1 < argc)
			return argv[i + 1];
		if (strncmp(o, "--output-file=", 14) == 0)
			return o + 14;
		if (strncmp(o, "-o=", 3) == 0)
			return o + 3;
	}
	return NULL;
}

unsigned kc_compiler_operands(const char *const *argv, unsigned argc, const char **out,
			      unsigned cap)
{
	unsigned n = 0;
	for (unsigned i = 1; i < argc && n < cap; i++) {
		if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output-file") == 0)) {
			i++; /* and its file */
			continue;
		}
		if (argv[i][0] != '-' && argv[i][0])
			out[n++] = argv[i];
	}
	return n;
}

int kc_gpu_compiler(const char *program)
{
	static const char *const names[] = {"nvcc", "ptxas", "cicc", "nvlink", "fatbinary"};
	const char *base = program ? strrchr(program, '/') : NULL;
	base = base ? base + 1 : program ? program : "";
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strncmp(base, names[i], strlen(names[i])) == 0) /* ptxas-blackwell: Triton's */
			return 1;
	return 0;
}

int kc_compiler_probe(const char *const *argv, unsigned argc)
{
	static const char *const probes[] = {"--version",
					     "-V",
					     "-v",
					     "--help",
					     "-h",
					     "-dumpversion",
					     "-dumpfullversion",
					     "-dumpmachine",
					     "--list-gpu-arch",
					     "-arch-ls",
					     "--list-gpu-code",
					     "-code-ls",
					     "-print-search-dirs",
					     NULL};
	if (argc < 2)
		return 0;
	for (unsigned i = 1; i < argc; i++) {
		int probe = strncmp(argv[i], "-print-", 7) == 0;
		for (unsigned k = 0; probes[k] && !probe; k++)
			probe = strcmp(argv[i], probes[k]) == 0;
		if (!probe)
			return 0;
	}
	return 1;
}
