template <int MAX_LEN> __global__ void fill_mask_t(float* x, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] = i < MAX_LEN ? 1.f : 0.f;
}