// kc_kernels.cu - one translation unit, one cubin (build/kernels/kc_kernels.cubin) for the
// host code to load once: the decode kernels and the MLA KV write.
#include "decode.cu"
#include "mla.cu"
