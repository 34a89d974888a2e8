extern "C" __global__ void fill_mask_fixed(int *mask, int n, int max_len)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) mask[i] = i < max_len;
}
