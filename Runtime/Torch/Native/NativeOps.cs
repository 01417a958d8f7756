using System.Runtime.InteropServices;

namespace AttrDsl.Torch.Native;

/// <summary>
/// The P/Invoke surface of libattrdsl_native.so (the exception barrier). The per-op entry points
/// are generated into NativeOps.g.cs from ops.tsv; this file holds the hand-written core.
/// Every entry returns 0 on success or 1 after storing libtorch's message, which <see cref="Check"/>
/// turns into a <see cref="TorchException"/>: a C++ exception never reaches managed frames.
/// </summary>
internal static unsafe partial class NativeOps
{
    internal const string Lib = "attrdsl_native";

    static NativeOps()
    {
        // libtorch tries NNPACK for float32 convolutions and, on CPUs it does not support, prints
        // "Could not initialize NNPACK! Reason: Unsupported hardware." on every call before falling
        // back. oneDNN covers the same cases, so NNPACK starts off (torch.backends.nnpack.enabled).
        ad_backend_flag(0, 0);
        // Large tensors from the heap instead of fresh mmap()s (see ad_tune_malloc in shim_core.cpp);
        // ATTRDSL_MALLOC=default keeps glibc's own settings.
        if (Environment.GetEnvironmentVariable("ATTRDSL_MALLOC") != "default")
            ad_tune_malloc(1L << 30, 1L << 30);
    }

    internal static void Check(int rc)
    {
        if (rc != 0) throw TorchException.FromNative(Marshal.PtrToStringUTF8(ad_last_error()) ?? "unknown libtorch error");
    }

    internal static nint[] TakeList(nint* list, long n)
    {
        var result = new nint[n];
        for (var i = 0; i < n; i++) result[i] = list[i];
        ad_free(list);
        return result;
    }

    [DllImport(Lib, ExactSpelling = true)] internal static extern nint ad_last_error();
    [DllImport(Lib, ExactSpelling = true)] internal static extern void ad_free(void* p);
    [DllImport(Lib, ExactSpelling = true)] internal static extern int ad_requires_grad(nint h, int* result);
    [DllImport(Lib, ExactSpelling = true)] internal static extern int ad_get_grad(nint h, nint* result);
    [DllImport(Lib, ExactSpelling = true)] internal static extern int ad_set_grad(nint h, nint value);
    [DllImport(Lib, ExactSpelling = true)]
    internal static extern int ad_autograd_grad(nint* outputs, long nOut, nint* inputs, long nIn, nint* gradOutputs, long nGo,
        int retainGraph, int createGraph, int allowUnused, nint* result);
    [DllImport(Lib, ExactSpelling = true)] internal static extern int ad_backend_flag(int which, int value);
    [DllImport(Lib, ExactSpelling = true)] internal static extern int ad_malloc_trim();
    [DllImport(Lib, ExactSpelling = true)] internal static extern int ad_tune_malloc(long mmapThreshold, long trimThreshold);
    [DllImport(Lib, ExactSpelling = true)] internal static extern int ad_manual_seed(ulong seed);
    [DllImport(Lib, ExactSpelling = true)] internal static extern int ad_set_num_threads(int n);
    [DllImport(Lib, ExactSpelling = true)] internal static extern int ad_get_num_threads();

    // libtorch's stable C ABI (aoti_*): plain C, exceptions already caught, reachable through our library's dependencies.
    [DllImport(Lib, ExactSpelling = true)] internal static extern int aoti_torch_delete_tensor_object(nint h);
    [DllImport(Lib, ExactSpelling = true)] internal static extern int aoti_torch_new_tensor_handle(nint h, nint* result);
    [DllImport(Lib, ExactSpelling = true)] internal static extern int aoti_torch_get_dim(nint h, long* result);
    [DllImport(Lib, ExactSpelling = true)] internal static extern int aoti_torch_get_sizes(nint h, long** result);
    [DllImport(Lib, ExactSpelling = true)] internal static extern int aoti_torch_get_strides(nint h, long** result);
    [DllImport(Lib, ExactSpelling = true)] internal static extern int aoti_torch_get_numel(nint h, long* result);
    [DllImport(Lib, ExactSpelling = true)] internal static extern int aoti_torch_get_dtype(nint h, int* result);
    [DllImport(Lib, ExactSpelling = true)] internal static extern int aoti_torch_get_data_ptr(nint h, void** result);
    [DllImport(Lib, ExactSpelling = true)] internal static extern int aoti_torch_get_storage_offset(nint h, long* result);
    [DllImport(Lib, ExactSpelling = true)] internal static extern int aoti_torch_get_device_type(nint h, int* result);
    [DllImport(Lib, ExactSpelling = true)]
    internal static extern int aoti_torch_empty_strided(long ndim, long* sizes, long* strides, int dtype, int deviceType, int deviceIndex, nint* result);
    [DllImport(Lib, ExactSpelling = true)] [return: MarshalAs(UnmanagedType.U1)] internal static extern bool aoti_torch_grad_mode_is_enabled();
    [DllImport(Lib, ExactSpelling = true)] internal static extern void aoti_torch_grad_mode_set_enabled([MarshalAs(UnmanagedType.U1)] bool enabled);
    [DllImport(Lib, ExactSpelling = true)] internal static extern int torch_set_requires_grad(nint h, [MarshalAs(UnmanagedType.U1)] bool requiresGrad);

    /// <summary>aoti_* functions return a non-zero code without a message; name the call instead.</summary>
    internal static void CheckAoti(int rc, string what)
    {
        if (rc != 0) throw new TorchException($"libtorch call {what} failed (code {rc})");
    }
}
