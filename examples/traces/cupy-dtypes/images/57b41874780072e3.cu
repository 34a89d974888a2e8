#include <cupy/complex.cuh>
#include <cupy/carray.cuh>
#include <cupy/atomics.cuh>
#include <cupy/math_constants.h>

    typedef float T;

    
    extern "C" __global__ void axpy_ew(const CArray<float, 1, 1, 1> _raw_x, const float a, CArray<float, 1, 1, 1> _raw_y, CIndexer<1, 1> _ind) {
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
    