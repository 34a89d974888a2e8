/* fake_nvjitlink12.c - a stand-in libnvJitLink.so.12 of CUDA 12.4: its functions carry that
 * release's versioned names (__nvJitLinkCreate_12_4, ...), which a program built against its
 * header calls. Its "cubin": an ELF header followed by the inputs' bytes, so that another
 * input makes another image. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

struct fake_link {
	unsigned char *out;
	size_t size;
};

EXPORT int __nvJitLinkCreate_12_4(void **handle, uint32_t nopts, const char **opts)
{
	(void)nopts, (void)opts;
	struct fake_link *l = calloc(1, sizeof(*l));
	if (!l || !(l->out = calloc(1, 64)))
		return 1;
	l->size = 64;
	*handle = l;
	return 0;
}

EXPORT int __nvJitLinkAddData_12_4(void *handle, int type, const void *data, size_t size,
				   const char *name)
{
	(void)type, (void)name;
	struct fake_link *l = handle;
	unsigned char *grown = realloc(l->out, l->size + size);
	if (!grown)
		return 1;
	memcpy(grown + l->size, data, size);
	l->out = grown;
	l->size += size;
	return 0;
}

EXPORT int __nvJitLinkComplete_12_4(void *handle)
{
	struct fake_link *l = handle;
	uint64_t shoff = l->size; /* no sections: the image ends where they would start */
	uint16_t ehsize = 64, shentsize = 64;
	memcpy(l->out, "\177ELF\2\1\1", 7);
	memcpy(l->out + 0x28, &shoff, 8);
	memcpy(l->out + 0x34, &ehsize, 2);
	memcpy(l->out + 0x3a, &shentsize, 2);
	return 0;
}

EXPORT int __nvJitLinkGetLinkedCubinSize_12_4(void *handle, size_t *size)
{
	*size = ((struct fake_link *)handle)->size;
	return 0;
}

EXPORT int __nvJitLinkGetLinkedCubin_12_4(void *handle, void *cubin)
{
	struct fake_link *l = handle;
	memcpy(cubin, l->out, l->size);
	return 0;
}

EXPORT int __nvJitLinkDestroy_12_4(void **handle)
{
	struct fake_link *l = *handle;
	free(l->out);
	free(l);
	*handle = NULL;
	return 0;
}
