extern "C" __global__ void fill_mask(int *mask, int n)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) mask[i] = i < MAX_LEN;
}
