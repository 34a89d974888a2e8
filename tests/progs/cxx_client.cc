// cxx_client.cc - a C++ server that builds a kernel with NVRTC for each request (-DMAX_LEN per
// request) and loads it into the stand-in driver: the CPU tests check that native call sites
// name C++ functions demangled (a class's method in a namespace, a template), the line of an
// inlined helper by the helper's own name, the program's line under ten levels of a library
// header's inline wrappers, and a host function named as the kernel (not its launch stub).
//
//   cxx_client N    requests of max_len 500 .. 500+N-1
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <cuda.h>
#include <nvrtc.h>

#include "include/c++/kct_deep_wrap.h"

namespace serve
{

static const char *source = "extern \"C\" __global__ void fill_mask(int *m) { m[0] = MAX_LEN; }";

// Always inlined: its line is in the function that calls it, under its own name.
__attribute__((always_inline)) static inline CUresult load_module(CUmodule *m, const char *ptx)
{
	return cuModuleLoadData(m, ptx); // the load's line
}

} // namespace serve

// A host function with the kernel's name (fill_mask, extern "C" in the source): the program's
// own code, not the kernel's launch stub.
__attribute__((noinline)) CUresult fill_mask(CUmodule *m, const char *ptx)
{
	return cuModuleLoadData(m, ptx); // the other load's line
}

namespace serve
{

template <typename Options> class Builder
{
      public:
	__attribute__((noinline)) std::string compile(const Options &opts) const
	{
		nvrtcProgram prog;
		if (nvrtcCreateProgram(&prog, source, "fill_mask.cu", 0, nullptr, nullptr))
			return "";
		std::vector<const char *> argv;
		for (const auto &o : opts)
			argv.push_back(o.c_str());
		nvrtcResult r = kct_lib::compile(prog, (int)argv.size(), argv.data()); // compile
		std::string ptx;
		size_t size = 0;
		if (r == NVRTC_SUCCESS && nvrtcGetPTXSize(prog, &size) == NVRTC_SUCCESS) {
			ptx.resize(size);
			nvrtcGetPTX(prog, &ptx[0]);
		}
		nvrtcDestroyProgram(&prog);
		return ptx;
	}
};

class Server
{
      public:
	__attribute__((noinline)) int request(int max_len)
	{
		std::vector<std::string> opts = {"--gpu-architecture=compute_90",
						 "-DMAX_LEN=" + std::to_string(max_len)};
		std::string ptx = builder_.compile(opts);
		CUmodule m;
		if (ptx.empty() || (max_len % 2 ? fill_mask(&m, ptx.c_str())
						: load_module(&m, ptx.c_str())) != CUDA_SUCCESS)
			return 1;
		std::printf("request max_len=%d\n", max_len);
		return 0;
	}

      private:
	Builder<std::vector<std::string>> builder_;
};

} // namespace serve

int main(int argc, char **argv)
{
	int n = argc > 1 ? std::atoi(argv[1]) : 3;
	CUdevice dev;
	CUcontext ctx;
	if (cuInit(0) != CUDA_SUCCESS || cuDeviceGet(&dev, 0) != CUDA_SUCCESS ||
	    cuDevicePrimaryCtxRetain(&ctx, dev) != CUDA_SUCCESS ||
	    cuCtxSetCurrent(ctx) != CUDA_SUCCESS) {
		std::fprintf(stderr, "cxx_client: no CUDA context\n");
		return 1;
	}
	serve::Server server;
	for (int i = 0; i < n; i++)
		if (server.request(500 + i))
			return 1;
	return 0;
}
