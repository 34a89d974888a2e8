/* kc_image.h - reading GPU code images: what kind, how long, which kernels.
 *
 * Kinds: cubin (ELF, e_machine EM_CUDA), PTX text, fatbin containers (magic 0xBA55ED50,
 * entries of cubin/PTX/LTO-IR, optionally zstd- or LZ4-compressed), and the
 * __fatBinC_Wrapper_t that host objects point at. Every reader here takes a size and never
 * reads past it: the analyzer runs them on untrusted files and the fuzzer runs them on
 * anything. docs/trace-format.md cites the fatbin layout.
 */
#ifndef KC_IMAGE_H
#define KC_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "kc_trace.h"

#define KC_FATBIN_MAGIC 0xBA55ED50u
#define KC_FATBIN_WRAPPER_MAGIC 0x466243B1u
#define KC_EM_CUDA 190

/* Kind of the bytes at p (avail bytes readable). */
enum kc_image_kind kc_image_detect(const void *p, size_t avail);

/* The fatbin a __fatBinC_Wrapper_t points to, or p itself when p is no wrapper. Only for
 * images in the process's own memory (the recorder): the pointer is followed. */
const void *kc_image_unwrap(const void *p);

/* Length of an image known only by its start (cuModuleLoadData): ELF from its section and
 * program headers, fatbin from its header, PTX to its NUL. 0 when it cannot be told. */
size_t kc_image_size(const void *p, enum kc_image_kind kind);

/* One kernel name (not NUL-terminated); return nonzero to stop. */
typedef int (*kc_name_fn)(const char *name, size_t len, void *ctx);
/* Entry kernels of an image, each name once. Returns the count, or a negative errno. */
int kc_image_kernels(const void *p, size_t size, enum kc_image_kind kind, kc_name_fn fn, void *ctx);

struct kc_fatbin_entry {
	unsigned kind;	     /* KC_IMAGE_CUBIN / PTX / LTOIR / UNKNOWN */
	unsigned sm;	     /* e.g. 90 */
	uint64_t flags;	     /* KC_FATBIN_F_* */
	const uint8_t *data; /* payload as stored (compressed or not) */
	size_t size;	     /* stored bytes (compressed size when compressed) */
	size_t raw_size;     /* size once decompressed */
	size_t offset;	     /* of the entry header, from the start of the image */
};
#define KC_FATBIN_F_LZ4 0x2000u
#define KC_FATBIN_F_ZSTD 0x8000u
typedef int (*kc_fatbin_fn)(const struct kc_fatbin_entry *e, void *ctx);
/* Walk the entries of one or more fatbins back to back. Returns entries seen, or -EINVAL
 * when the first header is bad (entries before a later bad header are still reported). */
int kc_fatbin_walk(const void *p, size_t size, kc_fatbin_fn fn, void *ctx);

/* Decompressing fatbin entries needs zstd/LZ4, which only the analyzer links: it sets this.
 * Returns the decompressed size written to out, or a negative errno. */
typedef long (*kc_decompress_fn)(const struct kc_fatbin_entry *e, void *out, size_t cap);
extern kc_decompress_fn kc_fatbin_decompress;

/* Decompressed (or plain) payload of an entry into a malloc'd buffer; NULL if impossible. */
void *kc_fatbin_entry_payload(const struct kc_fatbin_entry *e, size_t *size);

/* SM architecture of a cubin (90 for sm_90), 0 if unknown. */
unsigned kc_cubin_sm(const void *p, size_t size);

/* ---- compiler command lines (a compiler child's argv, recorded and read) ----------------- */
/* The file a CUDA compiler's command line (argv[0] the compiler) says it writes: -o FILE,
 * -o=FILE, --output-file FILE or --output-file=FILE, as written there (relative to the
 * compiler's working directory); NULL where it names none. */
const char *kc_compiler_output(const char *const *argv, unsigned argc);
/* The arguments of a compiler's command line that may name its input: neither options
 * (-x) nor -o's file, in order, into out (at most cap); their count. ptxas's input is the one
 * that is a PTX file: the values of its options (-arch sm_90) are no files. */
unsigned kc_compiler_operands(const char *const *argv, unsigned argc, const char **out,
			      unsigned cap);
/* Whether a program (its path or name) is a CUDA compiler that makes GPU code: nvcc, ptxas
 * (also Triton's ptxas-blackwell), cicc, nvlink, fatbinary. Not the host compiler. */
int kc_gpu_compiler(const char *program);
/* Whether a compiler's command line only asks about the compiler (--version, --help,
 * -dumpversion, --list-gpu-arch, ...: Triton and torch ask ptxas and nvcc their version) and
 * builds nothing. */
int kc_compiler_probe(const char *const *argv, unsigned argc);

#endif
