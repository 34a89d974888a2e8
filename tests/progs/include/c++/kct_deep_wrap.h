// A stand-in of a library header's inline wrappers (a C++ standard library's, CUDA's): ten
// levels of always-inlined calls around nvrtcCompileProgram, in a directory named as a C++
// library's headers are, which the analyzer passes over for the program's own line.
#ifndef KCT_DEEP_WRAP_H
#define KCT_DEEP_WRAP_H
#include <nvrtc.h>

namespace kct_lib {
#define KCT_WRAP(name, next)                                                                       \
	__attribute__((always_inline)) inline nvrtcResult name(nvrtcProgram p, int n,              \
							       const char *const *o)               \
	{                                                                                          \
		return next(p, n, o);                                                              \
	}
KCT_WRAP(w0, nvrtcCompileProgram)
KCT_WRAP(w1, w0)
KCT_WRAP(w2, w1)
KCT_WRAP(w3, w2)
KCT_WRAP(w4, w3)
KCT_WRAP(w5, w4)
KCT_WRAP(w6, w5)
KCT_WRAP(w7, w6)
KCT_WRAP(w8, w7)
KCT_WRAP(compile, w8)
#undef KCT_WRAP
} // namespace kct_lib
#endif
