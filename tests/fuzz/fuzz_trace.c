/* fuzz_trace.c - libFuzzer entry: make fuzz (clang -fsanitize=fuzzer,address,undefined). */
#include "fuzz_one.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return kct_fuzz_one(data, size);
}
