extern "C" __global__ void fill_mask_arg(float* x, int n, int max_len) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] = i < max_len ? 1.f : 0.f;
}