/* test_image.c - the image readers on real nvcc output (tests/data, made by `make test-data`). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../analyzer/kca.h"
#include "../common/kc_fs.h"
#include "../common/kc_hash.h"
#include "../common/kc_image.h"
#include "kct.h"

static char *fixture(const char *name, size_t *size)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", kct_data(), name);
	char *p = kct_read_file(path, size);
	cr_assert_not_null(p, "missing fixture %s", path);
	return p;
}

struct names {
	char all[1024];
};
static int collect(const char *name, size_t len, void *ctx)
{
	struct names *n = ctx;
	size_t k = strlen(n->all);
	snprintf(n->all + k, sizeof(n->all) - k, "%s%.*s", k ? "," : "", (int)len, name);
	return 0;
}

Test(image, cubin_kernels_only)
{
	size_t n;
	char *p = fixture("sample.cubin", &n);
	cr_assert_eq(kc_image_detect(p, n), KC_IMAGE_CUBIN);
	cr_assert_eq(kc_image_size(p, KC_IMAGE_CUBIN), n, "ELF extent from its headers");
	cr_assert_eq(kc_cubin_sm(p, n), 90);
	struct names got = {""};
	cr_assert_eq(kc_image_kernels(p, n, KC_IMAGE_CUBIN, collect, &got), 2);
	cr_assert_str_eq(got.all, "_Z10kern_scalePffi,kern_add",
			 "the __device__ helper is no kernel");
	free(p);
}

Test(image, ptx_entries)
{
	size_t n;
	char *p = fixture("sample.ptx", &n);
	cr_assert_eq(kc_image_detect(p, n), KC_IMAGE_PTX);
	cr_assert_eq(kc_image_size(p, KC_IMAGE_PTX), strlen(p));
	struct names got = {""};
	cr_assert_eq(kc_image_kernels(p, n, KC_IMAGE_PTX, collect, &got), 2);
	cr_assert_str_eq(got.all, "kern_add,_Z10kern_scalePffi");
	free(p);
}

static int count_entry(const struct kc_fatbin_entry *e, void *ctx)
{
	unsigned *kinds = ctx;
	kinds[e->kind]++;
	cr_assert_eq(e->sm, 90);
	return 0;
}

Test(image, fatbin_entries_and_names)
{
	size_t n;
	char *p = fixture("sample.fatbin", &n);
	cr_assert_eq(kc_image_detect(p, n), KC_IMAGE_FATBIN);
	cr_assert_eq(kc_image_size(p, KC_IMAGE_FATBIN), n);
	unsigned kinds[KC_IMAGE_END] = {0};
	cr_assert_eq(kc_fatbin_walk(p, n, count_entry, kinds), 2);
	cr_assert_eq(kinds[KC_IMAGE_CUBIN], 1);
	cr_assert_eq(kinds[KC_IMAGE_PTX], 1);
	struct names got = {""};
	cr_assert_eq(kc_image_kernels(p, n, KC_IMAGE_FATBIN, collect, &got), 2,
		     "names once, from cubin and PTX");
	free(p);
}

Test(image, compressed_fatbin_needs_the_analyzer)
{
	size_t n;
	char *p = fixture("sample_zstd.fatbin", &n);
	kc_fatbin_decompress = NULL; /* as in the recorder */
	struct names got = {""};
	cr_assert_eq(kc_image_kernels(p, n, KC_IMAGE_FATBIN, collect, &got), 0);
	kca_decompress_init();
	cr_assert_eq(kc_image_kernels(p, n, KC_IMAGE_FATBIN, collect, &got), 2);
	cr_assert_str_eq(got.all, "_Z10kern_scalePffi,kern_add");
	free(p);
}

Test(image, garbage_is_not_an_image)
{
	char junk[4096];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 131 + 7);
	cr_assert_eq(kc_image_detect(junk, sizeof(junk)), KC_IMAGE_UNKNOWN);
	memcpy(junk, "\177ELF", 4);
	cr_assert_lt(
	    kc_image_kernels(junk, sizeof(junk), KC_IMAGE_CUBIN, collect, &(struct names){""}), 0);
	uint32_t magic = KC_FATBIN_MAGIC;
	memcpy(junk, &magic, 4);
	cr_assert_lt(kc_fatbin_walk(junk, sizeof(junk), NULL, NULL), 0,
		     "a fatbin claiming more than it holds");
}

Test(image, a_file_hashed_in_pieces_as_a_load_hashes_it_whole)
{
	/* a compiler child's output and a load of an image too large to store are hashed from
	 * the file in 64 KB pieces: the hash must be the one a load from memory takes */
	size_t size;
	char *fat = fixture("step_1.fatbin", &size);
	char path[4200];
	snprintf(path, sizeof(path), "%s/big.bin", kct_tmpdir());
	size_t big = 3 * 65536 + 123; /* several pieces and a short last one */
	char *data = malloc(big);
	for (size_t i = 0; i < big; i++)
		data[i] = i < size ? fat[i] : (char)(i * 7);
	FILE *f = fopen(path, "wb");
	cr_assert(f && fwrite(data, 1, big, f) == big && fclose(f) == 0);
	int fd = kc_open_regular(path, NULL);
	cr_assert_geq(fd, 0);
	uint64_t h = 0;
	size_t got = 0;
	char head[16];
	cr_assert_eq(kc_hash64_fd(fd, &h, &got, head, sizeof(head)), 0);
	close(fd);
	cr_assert_eq(got, big);
	cr_assert_eq(h, kc_hash64(data, big));
	cr_assert_eq(memcmp(head, data, sizeof(head)), 0);
	cr_assert_eq(kc_image_detect(head, sizeof(head)), KC_IMAGE_FATBIN);
	free(data);
	free(fat);
}

Test(image, the_file_a_compiler_command_line_writes)
{
	const char *nvcc[] = {"nvcc", "-fatbin", "-o", "k.fatbin", "k.cu"};
	cr_assert_str_eq(kc_compiler_output(nvcc, 5), "k.fatbin");
	const char *ptxas[] = {"ptxas", "--output-file=/t/k.cubin", "-arch=sm_90", "k.ptx"};
	cr_assert_str_eq(kc_compiler_output(ptxas, 4), "/t/k.cubin");
	const char *longform[] = {"ptxas", "--output-file", "k.cubin", "k.ptx"};
	cr_assert_str_eq(kc_compiler_output(longform, 4), "k.cubin");
	/* the compiler's own name is not an option; an -o without its file names none */
	const char *odd[] = {"-o", "x", "-o"};
	cr_assert_null(kc_compiler_output(odd, 3));
	const char *none[] = {"gcc", "-c", "k.c"};
	cr_assert_null(kc_compiler_output(none, 3));
	const char *eq[] = {"nvcc", "-o=k.cubin", "-cubin", "k.cu"};
	cr_assert_str_eq(kc_compiler_output(eq, 4), "k.cubin");
	/* -odir is nvcc's --output-directory, not a file */
	const char *odir[] = {"nvcc", "-odir", "build", "k.cu"};
	cr_assert_null(kc_compiler_output(odir, 4));
}

Test(image, compilers_that_make_gpu_code_and_runs_that_build_nothing)
{
	cr_assert(kc_gpu_compiler("/usr/local/cuda/bin/nvcc"));
	cr_assert(kc_gpu_compiler("/site-packages/triton/backends/nvidia/bin/ptxas-blackwell"));
	cr_assert(kc_gpu_compiler("fatbinary"));
	cr_assert_not(kc_gpu_compiler("/opt/gcc/bin/gcc-real"));
	cr_assert_not(kc_gpu_compiler("/usr/bin/ptxas-wrapper.sh/cc")); /* the last component */
	cr_assert_not(kc_gpu_compiler(NULL));
	/* what Triton and torch run to learn the toolkit's version, in the H100 traces */
	cr_assert(kc_compiler_probe((const char *[]){"ptxas", "--version"}, 2));
	cr_assert(kc_compiler_probe((const char *[]){"nvcc", "--version"}, 2));
	cr_assert(kc_compiler_probe((const char *[]){"gcc", "-print-file-name=libcuda.so"}, 2));
	cr_assert(kc_compiler_probe((const char *[]){"nvcc", "--list-gpu-arch", "-V"}, 3));
	cr_assert_not(kc_compiler_probe((const char *[]){"nvcc"}, 1), "no arguments: not a probe");
	cr_assert_not(kc_compiler_probe((const char *[]){"ptxas", "--version", "k.ptx"}, 3));
	cr_assert_not(kc_compiler_probe((const char *[]){"ptxas", "-o", "k.cubin", "k.ptx"}, 4));
}
