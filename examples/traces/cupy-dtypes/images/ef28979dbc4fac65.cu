#include <cupy/complex.cuh>
#include <cupy/carray.cuh>
#include <cupy/atomics.cuh>
#include <cupy/math_constants.h>

    #include "cupy/float16.cuh"

typedef float16 T;

    
    extern "C" __global__ void axpy_ew(const CArray<float16, 1, 1, 1> _raw_x, const float16 a, CArray<float16, 1, 1, 1> _raw_y, CIndexer<1, 1> _ind) {
      ;
      #pragma unroll 1
      CUPY_FOR(i, _ind.size()) {
        _ind.set(i);
        const T &x = _raw_x[_ind.get()];
T &y = _raw_y[_ind.get()];
y = a * x + y;
      }
      ;
    }
    