/* fuzz_one.h - one fuzz input through the readers and the analyzer (fuzz_one.c). */
#ifndef KCT_FUZZ_ONE_H
#define KCT_FUZZ_ONE_H

#include <stddef.h>
#include <stdint.h>

int kct_fuzz_one(const uint8_t *data, size_t size);

#endif
