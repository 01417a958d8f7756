// Stand-ins for the libtorch types that cross the shim, laid out as libstdc++ lays out the
// real ones on x86-64 System V (verified in shared/LIBTORCH_ABI.md). No torch headers needed:
// an at::Tensor is one pointer (its TensorImpl*), and a tensor handle is a heap at::Tensor*.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <new>
#include <string>
#include <vector>

#define AD_EXPORT __attribute__((visibility("default")))

struct ArrayRef { const void* data; size_t size; };                   // c10::ArrayRef<T>, 16 bytes, in registers
struct OptArrayRef { ArrayRef ref; bool engaged; };                   // c10::OptionalArrayRef<T>, 24 bytes, on the stack
struct OptPtr { void* payload; bool engaged; };                       // std::optional<at::Tensor> / <at::Generator>
struct OptI64 { int64_t value; bool engaged; };                       // std::optional<int64_t> / <c10::SymInt>
struct OptF64 { double value; bool engaged; };                        // std::optional<double>
struct OptI8 { int8_t value; bool engaged; };                         // std::optional<bool/ScalarType/Layout/MemoryFormat>
struct OptDevice { int8_t type; int8_t index; bool engaged; };        // std::optional<c10::Device>
struct alignas(16) OptScalar { unsigned char payload[32]; bool engaged; }; // std::optional<c10::Scalar>
struct TensorListRef { ArrayRef unboxed; int32_t tag; };             // c10::IListRef<at::Tensor>, tag 0 = Unboxed
struct StrView { size_t size; const char* data; };                    // std::string_view (libstdc++ order)
struct OptStrView { StrView view; bool engaged; };

// Tuple results: libstdc++ stores std::tuple<A, B, ...> in reverse (last element at offset 0).
template <int N> struct TensorRet { void* p[N]; };
struct VectorRet { void** begin; void** end; void** cap; };           // std::vector<at::Tensor>

extern "C" void ad_set_error(const char* what);

// A new owning handle around a TensorImpl* whose reference we already own (taken from a returned
// at::Tensor). Allocated with operator new so aoti_torch_delete_tensor_object can `delete` it.
inline void* ad_slot(void* impl) {
  void** h = static_cast<void**>(::operator new(sizeof(void*)));
  *h = impl;
  return h;
}

template <int N> inline void ad_store_tuple(void** out, const TensorRet<N>& r) {
  for (int i = 0; i < N; ++i) out[i] = ad_slot(r.p[N - 1 - i]);
}

inline void ad_store_list(void*** out, int64_t* n, const VectorRet& r) {
  *n = r.end - r.begin;
  *out = static_cast<void**>(std::malloc(sizeof(void*) * (*n > 0 ? *n : 1)));
  for (int64_t i = 0; i < *n; ++i) (*out)[i] = ad_slot(r.begin[i]);
  ::operator delete(r.begin);  // the elements' references moved into the slots above
}

#define AD_TRY try {
#define AD_CATCH                                                   \
    return 0;                                                      \
  } catch (const std::exception& e) { ad_set_error(e.what()); return 1; } \
  catch (...) { ad_set_error("unknown C++ exception in libtorch"); return 1; }
