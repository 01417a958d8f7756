namespace AttrDsl.OpGen;

/// <summary>
/// How one C++ parameter type of an <c>at::_ops::*::call</c> entry point crosses the C boundary.
/// Every rule here was checked against the x86-64 System V ABI as libstdc++ lays the types out
/// (see shared/LIBTORCH_ABI.md): trivially copyable structs of up to 16 bytes travel in registers,
/// larger ones on the stack, and non-trivially copyable ones (SymInt, optional&lt;SymInt&gt;,
/// optional&lt;Generator&gt;) by invisible reference.
/// </summary>
/// <param name="ShimParams">C parameters of the exported shim function ({0} = argument index).</param>
/// <param name="Prologue">C++ statements that build the ABI value before the call.</param>
/// <param name="Forward">The expression handed to the libtorch entry point.</param>
/// <param name="ExternType">The parameter type in the asm-labelled extern declaration.</param>
/// <param name="CsParams">The matching C# P/Invoke parameters.</param>
internal sealed record ParamKind(string ShimParams, string Prologue, string Forward, string ExternType, string CsParams);

internal static class ParamKinds
{
    private const string StrView = "std::basic_string_view<char, std::char_traits<char> >";

    private static readonly Dictionary<string, ParamKind> Map = new()
    {
        ["at::Tensor const&"] = new("void* a{0}", "", "a{0}", "void*", "nint a{0}"),
        ["at::Tensor&"] = new("void* a{0}", "", "a{0}", "void*", "nint a{0}"),
        ["std::optional<at::Tensor> const&"] = new("void* a{0}",
            "OptPtr o{0}{{a{0} ? *(void**)a{0} : nullptr, a{0} != nullptr}};", "&o{0}", "const OptPtr*", "nint a{0}"),
        ["c10::ArrayRef<at::Tensor>"] = new("void* const* a{0}, int64_t n{0}",
            "std::vector<void*> v{0}((size_t)n{0}); for (int64_t k = 0; k < n{0}; ++k) v{0}[k] = *(void* const*)a{0}[k];",
            "ArrayRef{{v{0}.data(), (size_t)n{0}}}", "ArrayRef", "nint* a{0}, long n{0}"),
        // c10::IListRef<Tensor>: a union {boxed list*, ArrayRef, materialized*} then the tag; tag 0 = Unboxed (ArrayRef).
        ["c10::IListRef<at::Tensor> const&"] = new("void* const* a{0}, int64_t n{0}",
            "std::vector<void*> v{0}((size_t)n{0}); for (int64_t k = 0; k < n{0}; ++k) v{0}[k] = *(void* const*)a{0}[k]; TensorListRef l{0}{{{{v{0}.data(), (size_t)n{0}}}, 0}};",
            "&l{0}", "const TensorListRef*", "nint* a{0}, long n{0}"),
        ["c10::ArrayRef<long>"] = new("const int64_t* a{0}, int64_t n{0}", "", "ArrayRef{{a{0}, (size_t)n{0}}}", "ArrayRef", "long* a{0}, long n{0}"),
        ["c10::ArrayRef<c10::SymInt>"] = new("const int64_t* a{0}, int64_t n{0}", "", "ArrayRef{{a{0}, (size_t)n{0}}}", "ArrayRef", "long* a{0}, long n{0}"),
        ["c10::ArrayRef<double>"] = new("const double* a{0}, int64_t n{0}", "", "ArrayRef{{a{0}, (size_t)n{0}}}", "ArrayRef", "double* a{0}, long n{0}"),
        // n < 0 means None; n == 0 with engaged is a real empty list (e.g. sum over dim=[]).
        ["c10::OptionalArrayRef<long>"] = new("const int64_t* a{0}, int64_t n{0}", "",
            "OptArrayRef{{{{a{0}, (size_t)(n{0} < 0 ? 0 : n{0})}}, n{0} >= 0}}", "OptArrayRef", "long* a{0}, long n{0}"),
        ["c10::OptionalArrayRef<c10::SymInt>"] = new("const int64_t* a{0}, int64_t n{0}", "",
            "OptArrayRef{{{{a{0}, (size_t)(n{0} < 0 ? 0 : n{0})}}, n{0} >= 0}}", "OptArrayRef", "long* a{0}, long n{0}"),
        ["std::optional<c10::ArrayRef<double> >"] = new("const double* a{0}, int64_t n{0}", "",
            "OptArrayRef{{{{a{0}, (size_t)(n{0} < 0 ? 0 : n{0})}}, n{0} >= 0}}", "OptArrayRef", "double* a{0}, long n{0}"),
        ["c10::SymInt"] = new("int64_t a{0}", "", "&a{0}", "const int64_t*", "long a{0}"),
        ["std::optional<c10::SymInt>"] = new("int64_t a{0}, int h{0}", "OptI64 o{0}{{a{0}, h{0} != 0}};", "&o{0}", "const OptI64*", "long a{0}, int h{0}"),
        ["long"] = new("int64_t a{0}", "", "a{0}", "int64_t", "long a{0}"),
        ["std::optional<long>"] = new("int64_t a{0}, int h{0}", "", "OptI64{{a{0}, h{0} != 0}}", "OptI64", "long a{0}, int h{0}"),
        ["double"] = new("double a{0}", "", "a{0}", "double", "double a{0}"),
        ["std::optional<double>"] = new("double a{0}, int h{0}", "", "OptF64{{a{0}, h{0} != 0}}", "OptF64", "double a{0}, int h{0}"),
        ["bool"] = new("int a{0}", "", "a{0} != 0", "bool", "int a{0}"),
        ["std::optional<bool>"] = new("int a{0}", "", "OptI8{{(int8_t)(a{0} > 0), a{0} >= 0}}", "OptI8", "int a{0}"),
        ["c10::ScalarType"] = new("int a{0}", "", "(int8_t)a{0}", "int8_t", "int a{0}"),
        ["c10::MemoryFormat"] = new("int a{0}", "", "(int8_t)a{0}", "int8_t", "int a{0}"),
        ["std::optional<c10::ScalarType>"] = new("int a{0}", "", "OptI8{{(int8_t)a{0}, a{0} >= 0}}", "OptI8", "int a{0}"),
        ["std::optional<c10::Layout>"] = new("int a{0}", "", "OptI8{{(int8_t)a{0}, a{0} >= 0}}", "OptI8", "int a{0}"),
        ["std::optional<c10::MemoryFormat>"] = new("int a{0}", "", "OptI8{{(int8_t)a{0}, a{0} >= 0}}", "OptI8", "int a{0}"),
        ["std::optional<c10::Device>"] = new("int a{0}", "", "OptDevice{{(int8_t)a{0}, (int8_t)-1, a{0} >= 0}}", "OptDevice", "int a{0}"),
        // c10::Scalar is 16-byte aligned (its union holds a complex<double>) and libtorch copies it with
        // aligned SSE moves; a .NET stack struct is only 8-aligned, so copy it into an aligned local.
        ["c10::Scalar const&"] = new("const void* a{0}", "alignas(16) unsigned char s{0}[32]; std::memcpy(s{0}, a{0}, 32);", "s{0}", "const void*", "global::AttrDsl.Torch.Scalar* a{0}"),
        ["std::optional<c10::Scalar> const&"] = new("const void* a{0}",
            "OptScalar o{0}; o{0}.engaged = a{0} != nullptr; if (a{0}) std::memcpy(o{0}.payload, a{0}, 32);", "&o{0}", "const OptScalar*",
            "global::AttrDsl.Torch.Scalar* a{0}"),
        // The global CPU generator (seeded by torch.manual_seed) is always used: no C# parameter.
        ["std::optional<at::Generator> const&"] = new("", "OptPtr o{0}{{nullptr, false}};", "&o{0}", "const OptPtr*", ""),
        ["std::optional<at::Generator>"] = new("", "OptPtr o{0}{{nullptr, false}};", "&o{0}", "const OptPtr*", ""),
        [StrView] = new("const char* a{0}, int64_t n{0}", "", "StrView{{(size_t)n{0}, a{0}}}", "StrView", "byte* a{0}, long n{0}"),
        [$"std::optional<{StrView} >"] = new("const char* a{0}, int64_t n{0}", "",
            "OptStrView{{StrView{{(size_t)(a{0} ? n{0} : 0), a{0}}}, a{0} != nullptr}}", "OptStrView", "byte* a{0}, long n{0}"),
    };

    public static ParamKind? Find(string cppType) => Map.TryGetValue(cppType.Trim(), out var k) ? k : null;
}
