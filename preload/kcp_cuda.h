/* kcp_cuda.h - the CUDA, NVRTC, nvJitLink and CUPTI declarations the preload needs, with the
 * symbols that cuda.h hides behind macros made visible under their exported names.
 *
 * cuda.h maps cuGetProcAddress to cuGetProcAddress_v2; the v1 symbol (4 arguments) is still
 * exported by libcuda and called by binaries built against CUDA 11, so it is hooked too.
 * The _ptsz entry points are declared by cuda.h only under per-thread-default-stream
 * builds, where they replace the plain names; kcprof hooks both, so declares them here.
 */
#ifndef KCP_CUDA_H
#define KCP_CUDA_H

/* nvJitLink exports each function twice: versioned (__nvJitLinkCreate_13_0, which the
 * header's inline nvJitLinkCreate calls) and plain (nvJitLinkCreate, which cuda.bindings,
 * cuda.core and numba look up by dlsym). Both are hooked; the header's inline definitions would
 * clash with the plain ones, so they are off and the plain ones declared below. */
#define NVJITLINK_NO_INLINE
#include <cuda.h>
#include <cupti.h>
#include <nvJitLink.h>
#include <nvrtc.h>
#include <nvvm.h>

nvJitLinkResult nvJitLinkCreate(nvJitLinkHandle *handle, uint32_t numOptions,
				const char *const *options);
nvJitLinkResult nvJitLinkDestroy(nvJitLinkHandle *handle);
nvJitLinkResult nvJitLinkAddData(nvJitLinkHandle handle, nvJitLinkInputType inputType,
				 const void *data, size_t size, const char *name);
nvJitLinkResult nvJitLinkAddFile(nvJitLinkHandle handle, nvJitLinkInputType inputType,
				 const char *fileName);
nvJitLinkResult nvJitLinkComplete(nvJitLinkHandle handle);

#undef cuGetProcAddress
CUresult CUDAAPI cuGetProcAddress(const char *symbol, void **pfn, int cudaVersion,
				  cuuint64_t flags);

CUresult CUDAAPI cuLaunchKernel_ptsz(CUfunction f, unsigned int gridDimX, unsigned int gridDimY,
				     unsigned int gridDimZ, unsigned int blockDimX,
				     unsigned int blockDimY, unsigned int blockDimZ,
				     unsigned int sharedMemBytes, CUstream hStream,
				     void **kernelParams, void **extra);
CUresult CUDAAPI cuLaunchKernelEx_ptsz(const CUlaunchConfig *config, CUfunction f,
				       void **kernelParams, void **extra);
CUresult CUDAAPI cuLaunchCooperativeKernel_ptsz(CUfunction f, unsigned int gridDimX,
						unsigned int gridDimY, unsigned int gridDimZ,
						unsigned int blockDimX, unsigned int blockDimY,
						unsigned int blockDimZ, unsigned int sharedMemBytes,
						CUstream hStream, void **kernelParams);
/* CUDA 11's graph functions, which cuda.h now maps to newer ones of other arguments; still
 * exported by libcuda and handed to CUDA 11 runtimes by cuGetProcAddress. */
#undef cuGraphInstantiate
#undef cuGraphExecUpdate
CUresult CUDAAPI cuGraphInstantiate(CUgraphExec *phGraphExec, CUgraph hGraph,
				    CUgraphNode *phErrorNode, char *logBuffer, size_t bufferSize);
CUresult CUDAAPI cuGraphInstantiate_v2(CUgraphExec *phGraphExec, CUgraph hGraph,
				       CUgraphNode *phErrorNode, char *logBuffer,
				       size_t bufferSize);
CUresult CUDAAPI cuGraphExecUpdate(CUgraphExec hGraphExec, CUgraph hGraph,
				   CUgraphNode *hErrorNode_out,
				   CUgraphExecUpdateResult *updateResult_out);
CUresult CUDAAPI cuGraphInstantiateWithParams_ptsz(CUgraphExec *phGraphExec, CUgraph hGraph,
						   CUDA_GRAPH_INSTANTIATE_PARAMS *params);
CUresult CUDAAPI cuGraphLaunch_ptsz(CUgraphExec hGraphExec, CUstream hStream);
CUresult CUDAAPI cuStreamEndCapture_ptsz(CUstream hStream, CUgraph *phGraph);

#endif
