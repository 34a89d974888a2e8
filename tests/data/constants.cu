// A module of data only, as cuBLAS ships one (its deviceConstants): a fatbin with no kernel.
__device__ double kc_device_constants[4] = {1.0, 0.0, -1.0, 0.5};
