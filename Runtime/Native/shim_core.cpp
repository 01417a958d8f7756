// Hand-written part of the exception barrier: error text, gradients, seeding, threads.
// Everything that is a regular ATen op lives in generated/shim_ops.g.cpp instead.
#include "shim_abi.h"

static thread_local std::string g_error;

extern "C" void ad_set_error(const char* what) { g_error = what ? what : ""; }
extern "C" AD_EXPORT const char* ad_last_error() { return g_error.c_str(); }
extern "C" AD_EXPORT void ad_free(void* p) { std::free(p); }

// --- c10 / ATen symbols used directly -------------------------------------------------------
extern "C" const void* c10_grad(const void* impl) __asm__("_ZNK3c1010TensorImpl4gradEv");
extern "C" void* c10_mutable_grad(void* impl) __asm__("_ZN3c1010TensorImpl12mutable_gradEv");
extern "C" bool c10_requires_grad(const void* impl) __asm__("_ZNK3c1010TensorImpl13requires_gradEv");
extern "C" char c10_undefined_singleton __asm__("_ZN3c1019UndefinedTensorImpl10_singletonE");
extern "C" int aoti_torch_new_tensor_handle(void* h, void** out);
extern "C" int aoti_torch_delete_tensor_object(void* h);
extern "C" void at_set_num_threads(int) __asm__("_ZN2at15set_num_threadsEi");
extern "C" int at_get_num_threads() __asm__("_ZN2at15get_num_threadsEv");
extern "C" const void* at_default_cpu_generator() __asm__("_ZN2at6detail22getDefaultCPUGeneratorEv");
extern "C" void at_cpu_set_seed(void* gen_impl, uint64_t seed) __asm__("_ZN2at16CPUGeneratorImpl16set_current_seedEm");
struct StdVec { void** begin; void** end; void** cap; };
extern "C" void torch_autograd_grad(void* ret, const StdVec* outputs, const StdVec* inputs, const StdVec* grad_outputs,
                                    OptI8 retain_graph, bool create_graph, bool allow_unused)
    __asm__("_ZN5torch8autograd4gradERKSt6vectorIN2at6TensorESaIS3_EES7_S7_St8optionalIbEbb");

static inline void* impl_of(void* handle) { return *static_cast<void**>(handle); }
static inline bool is_undefined(void* impl) { return impl == static_cast<void*>(&c10_undefined_singleton) || impl == nullptr; }

// A new handle to `tensor` (an at::Tensor*), or null if it is undefined.
static int new_handle_or_null(const void* tensor, void** out) {
  if (is_undefined(*static_cast<void* const*>(tensor))) { *out = nullptr; return 0; }
  return aoti_torch_new_tensor_handle(const_cast<void*>(tensor), out);
}

extern "C" AD_EXPORT int ad_requires_grad(void* h, int* out) {
  AD_TRY *out = c10_requires_grad(impl_of(h)) ? 1 : 0; AD_CATCH
}

extern "C" AD_EXPORT int ad_get_grad(void* h, void** out) {
  AD_TRY if (new_handle_or_null(c10_grad(impl_of(h)), out) != 0) throw std::runtime_error("cannot read .grad"); AD_CATCH
}

// Replaces .grad with `value` (a handle) or clears it (value == null). The previous gradient's
// reference is released through a temporary handle so that libtorch's own destructor runs.
extern "C" AD_EXPORT int ad_set_grad(void* h, void* value) {
  AD_TRY
    void** slot = static_cast<void**>(c10_mutable_grad(impl_of(h)));
    void* incoming = static_cast<void*>(&c10_undefined_singleton);
    if (value) {
      void* copy = nullptr;  // one more reference to value's TensorImpl, then steal it from the copy
      if (aoti_torch_new_tensor_handle(value, &copy) != 0) throw std::runtime_error("cannot reference the new gradient");
      incoming = *static_cast<void**>(copy);
      ::operator delete(copy);
    }
    void* old = *slot;
    *slot = incoming;
    if (!is_undefined(old)) aoti_torch_delete_tensor_object(ad_slot(old));
  AD_CATCH
}

// torch::autograd::grad: gradients of outputs w.r.t. inputs without touching any .grad.
// grad_outputs may contain nulls (= ones for scalars). Unused inputs come back as null.
extern "C" AD_EXPORT int ad_autograd_grad(void* const* outputs, int64_t n_out, void* const* inputs, int64_t n_in,
                                          void* const* grad_outputs, int64_t n_go, int retain_graph, int create_graph,
                                          int allow_unused, void** result) {
  AD_TRY
    std::vector<void*> o(n_out), i(n_in), g(n_go);
    for (int64_t k = 0; k < n_out; ++k) o[k] = impl_of(outputs[k]);
    for (int64_t k = 0; k < n_in; ++k) i[k] = impl_of(inputs[k]);
    for (int64_t k = 0; k < n_go; ++k) g[k] = grad_outputs[k] ? impl_of(grad_outputs[k]) : static_cast<void*>(&c10_undefined_singleton);
    StdVec vo{o.data(), o.data() + n_out, o.data() + n_out};
    StdVec vi{i.data(), i.data() + n_in, i.data() + n_in};
    StdVec vg{g.data(), g.data() + n_go, g.data() + n_go};
    VectorRet r{nullptr, nullptr, nullptr};
    torch_autograd_grad(&r, &vo, &vi, &vg, OptI8{(int8_t)(retain_graph > 0), retain_graph >= 0}, create_graph != 0, allow_unused != 0);
    int64_t n = r.end - r.begin;
    for (int64_t k = 0; k < n; ++k) result[k] = is_undefined(r.begin[k]) ? nullptr : ad_slot(r.begin[k]);
    ::operator delete(r.begin);
  AD_CATCH
}

extern "C" AD_EXPORT int ad_manual_seed(uint64_t seed) {
  AD_TRY at_cpu_set_seed(impl_of(const_cast<void*>(at_default_cpu_generator())), seed); AD_CATCH
}

extern "C" AD_EXPORT int ad_set_num_threads(int n) { AD_TRY at_set_num_threads(n); AD_CATCH }
extern "C" AD_EXPORT int ad_get_num_threads() { return at_get_num_threads(); }

// --- backend switches (at::globalContext()) ------------------------------------------------
extern "C" void* at_global_context() __asm__("_ZN2at13globalContextEv");
extern "C" void at_ctx_set_nnpack(void* ctx, bool on) __asm__("_ZN2at7Context20setUserEnabledNNPACKEb");
extern "C" void at_ctx_set_mkldnn(void* ctx, bool on) __asm__("_ZN2at7Context20setUserEnabledMkldnnEb");
extern "C" bool at_ctx_nnpack(const void* ctx) __asm__("_ZNK2at7Context17userEnabledNNPACKEv");
extern "C" bool at_ctx_mkldnn(const void* ctx) __asm__("_ZNK2at7Context17userEnabledMkldnnEv");
extern "C" bool at_has_mkldnn() __asm__("_ZN2at7Context9hasMKLDNNEv");

// which: 0 = NNPACK, 1 = oneDNN (mkldnn). value < 0 only reads. Returns the setting, or -1 on error.
extern "C" AD_EXPORT int ad_backend_flag(int which, int value) {
  try {
    void* ctx = at_global_context();
    if (which == 0) { if (value >= 0) at_ctx_set_nnpack(ctx, value != 0); return at_ctx_nnpack(ctx) ? 1 : 0; }
    if (which == 1) { if (value >= 0) at_ctx_set_mkldnn(ctx, value != 0); return at_ctx_mkldnn(ctx) ? 1 : 0; }
    if (which == 2) return at_has_mkldnn() ? 1 : 0;
    return -1;
  } catch (const std::exception& e) { ad_set_error(e.what()); return -1; }
}

// --- allocator tuning ---------------------------------------------------------------------------
// glibc serves allocations above its mmap threshold (≤ 32 MB, adaptive) with fresh mmap()s and returns them with
// munmap(), so every large activation of a big batch is page-faulted and zeroed again on every call; freed heap
// memory above the trim threshold goes back to the OS the same way. Keeping both in the heap makes large-batch
// forward/backward passes 3-5x faster here (docs/benchmarks.md) at the cost of holding on to the peak heap.
#include <malloc.h>
extern "C" AD_EXPORT int ad_tune_malloc(int64_t mmap_threshold, int64_t trim_threshold) {
  int ok = 1;
  if (mmap_threshold > 0) ok &= mallopt(M_MMAP_THRESHOLD, (int)mmap_threshold);
  if (trim_threshold > 0) ok &= mallopt(M_TRIM_THRESHOLD, (int)trim_threshold);
  return ok;
}

// Returns free memory of every malloc arena to the OS now, so the resident set shows what is really in use
// (with the tuning above, freed blocks otherwise stay resident).
extern "C" AD_EXPORT int ad_malloc_trim() { return malloc_trim(0); }
