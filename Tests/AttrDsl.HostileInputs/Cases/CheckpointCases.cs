using AttrDsl.Checkpoints;

namespace AttrDsl.HostileInputs;

/// <summary>Checkpoint and safetensors save/load (AtomicFile is reached through them): garbage files, directories, truncation, bad headers, read-only folders.</summary>
public static class CheckpointCases
{
    public const string Area = "checkpoints";

    private static Case C(string entry, string name, Func<object?> action, Expectation e) => new(Area, entry, name, action, e);

    private static string Dir()
    {
        var d = Path.Combine(Path.GetTempPath(), "attrdsl-hostile-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(d);
        return d;
    }

    private static string File(byte[] bytes)
    {
        var p = Path.Combine(Dir(), "x.safetensors");
        System.IO.File.WriteAllBytes(p, bytes);
        return p;
    }

    private static byte[] Header(string json, int extra = 0)
    {
        var h = System.Text.Encoding.UTF8.GetBytes(json);
        return [.. BitConverter.GetBytes((ulong)h.Length), .. h, .. new byte[extra]];
    }

    private static byte[] Valid()
    {
        var p = Path.Combine(Dir(), "ok.safetensors");
        Checkpoint.Save(M.Mlp(), p);
        return System.IO.File.ReadAllBytes(p);
    }

    public static IEnumerable<Case> All()
    {
        (string Name, Func<byte[]> Bytes, string[] Mention)[] bad =
        [
            ("empty-file", () => [], ["header|empty|8 bytes|truncated"]),
            ("garbage", () => System.Text.Encoding.ASCII.GetBytes("this is not a safetensors file at all, just text"), ["header"]),
            ("header-length-huge", () => [.. BitConverter.GetBytes(ulong.MaxValue), 1, 2, 3], ["header", "length|size"]),
            ("header-longer-than-file", () => [.. BitConverter.GetBytes(1000UL), (byte)'{', (byte)'}'], ["header", "1000|truncated|length"]),
            ("invalid-utf8-header", () => [.. BitConverter.GetBytes(4UL), 0xff, 0xfe, 0xfd, 0xfc], ["header", "UTF-8|JSON"]),
            ("header-not-json", () => Header("{not json"), ["header", "JSON"]),
            ("header-json-array", () => Header("[1,2,3]"), ["header", "object"]),
            ("tensor-offsets-past-end", () => Header("{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[5,4],\"data_offsets\":[0,80]}}"), ["fc1.weight", "80|offset|truncated"]),
            ("tensor-shape-offsets-disagree", () => Header("{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[5,4],\"data_offsets\":[0,8]}}", 8), ["fc1.weight", "[5, 4]|shape|8"]),
            ("unknown-dtype", () => Header("{\"a\":{\"dtype\":\"Q7\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4), ["Q7", "dtype"]),
            ("negative-shape", () => Header("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4), ["a", "-1|shape"]),
            ("offsets-reversed", () => Header("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4), ["a", "offset"]),
            ("truncated-valid-file", () => Valid()[..^10], ["truncated|offset|length"]),
        ];
        foreach (var (name, bytes, mention) in bad)
        {
            yield return C("safetensors.load_file", name, () => safetensors.load_file(File(bytes())), Expect.Error([.. mention]));
            yield return C("Checkpoint.Load", name, () => Checkpoint.Load(M.Mlp(), File(bytes())), Expect.Error([.. mention]));
        }
        yield return C("safetensors.load_metadata", "garbage", () => safetensors.load_metadata(File([1, 2, 3])), Expect.Error("header"));
        yield return C("safetensors.load_metadata", "metadata-not-strings", () => safetensors.load_metadata(File(Header("{\"__metadata__\":{\"a\":5}}"))), Expect.Error("__metadata__|metadata", "a"));
        foreach (var entry in new[] { "safetensors.load_file", "Checkpoint.Load", "safetensors.load_metadata" })
        {
            Func<string, object?> load = entry switch
            {
                "safetensors.load_file" => p => safetensors.load_file(p),
                "Checkpoint.Load" => p => Checkpoint.Load(M.Mlp(), p),
                _ => p => safetensors.load_metadata(p),
            };
            yield return C(entry, "path-is-directory", () => load(Dir()), Expect.Error("path|directory", "directory"));
            yield return C(entry, "missing-file", () => load(Path.Combine(Dir(), "none.safetensors")), Expect.Error<FileNotFoundException>("none.safetensors"));
            yield return C(entry, "null-path", () => load(null!), Expect.Null("path"));
            yield return C(entry, "empty-path", () => load(""), Expect.Error("path", "empty"));
        }
        yield return C("Checkpoint.Load", "null-module", () => Checkpoint.Load(null!, "x"), Expect.Null("module"));
        yield return C("Checkpoint.Load", "disposed-module", () => { var p = Path.Combine(Dir(), "a.safetensors"); Checkpoint.Save(M.Mlp(), p); var m = M.Mlp(); m.Dispose(); return Checkpoint.Load(m, p); }, Expect.Disposed("module"));
        yield return C("Checkpoint.Load", "shape-mismatch", () => { var p = Path.Combine(Dir(), "a.safetensors"); Checkpoint.Save(M.Mlp(), p); return Checkpoint.Load(M.WrongIn(), p); }, Expect.Error("fc1.weight", "[5, 4]", "[5, 7]"));
        yield return C("Checkpoint.Load", "missing-keys-strict", () => { var p = Path.Combine(Dir(), "a.safetensors"); Checkpoint.Save(M.Lin(), p); return Checkpoint.Load(M.Mlp(), p); }, Expect.Error("fc1"));
        yield return C("Checkpoint.Load", "dtype-differs", () => { var p = Path.Combine(Dir(), "a.safetensors"); Checkpoint.Save(M.Mlp(float64), p); var m = M.Mlp(); Checkpoint.Load(m, p); return M.Forward(m, M.X()); }, Expect.FiniteTensor(M.B, M.Out));
        yield return C("Checkpoint.Load", "NaN-weights-in-file", () => { var p = Path.Combine(Dir(), "a.safetensors"); Checkpoint.Save(M.NanWeight(), p); return Checkpoint.Load(M.Mlp(), p); }, Expect.Error("fc1.weight", "NaN"));
        yield return C("Checkpoint.Load", "round-trip", () => { var p = Path.Combine(Dir(), "a.safetensors"); var a = M.Mlp(); Checkpoint.Save(a, p, new Dictionary<string, string> { ["k"] = "v" }); var b = M.Mlp(); Checkpoint.Load(b, p); var x = M.X(); return (M.Forward(b, x), M.Forward(a, x)); },
            Expect.Result("loaded model = saved model", r => { var (a, t) = ((Tensor, Tensor))r!; return Verify.Close(a, t, 1e-7); }));
        yield return C("Checkpoint.Save", "null-module", () => { Checkpoint.Save(null!, "x"); return "saved"; }, Expect.Null("module"));
        yield return C("Checkpoint.Save", "disposed-module", () => { Checkpoint.Save(M.Disposed(), Path.Combine(Dir(), "a.safetensors")); return "saved"; }, Expect.Disposed("module"));
        yield return C("Checkpoint.Save", "directory-missing", () => { Checkpoint.Save(M.Mlp(), Path.Combine(Dir(), "no", "such", "a.safetensors")); return "saved"; }, Expect.Error<DirectoryNotFoundException>("no"));
        yield return C("Checkpoint.Save", "path-is-directory", () => { Checkpoint.Save(M.Mlp(), Dir()); return "saved"; }, Expect.Error("directory"));
        yield return C("Checkpoint.Save", "read-only-folder", () =>
            {
                var d = Dir();
                if (OperatingSystem.IsWindows()) return "no-unix-modes";   // read-only folders are a Unix permission here
                System.IO.File.SetUnixFileMode(d, UnixFileMode.UserRead | UnixFileMode.UserExecute);
                try { Checkpoint.Save(M.Mlp(), Path.Combine(d, "a.safetensors")); return Environment.UserName == "root" ? "root-can-write" : "saved"; }
                finally { System.IO.File.SetUnixFileMode(d, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); }
            },
            Expect.Result("an error naming the folder (or, as root, a write)", r => r is "root-can-write" or "no-unix-modes" ? null : "saved into a read-only folder without error"));
        yield return C("Checkpoint.Save", "no-parameters", () => { Checkpoint.Save(nn.ReLU(), Path.Combine(Dir(), "a.safetensors")); return "saved"; }, Expect.Error("parameters|buffers"));
        yield return C("Checkpoint.Save", "null-metadata-value", () => { Checkpoint.Save(M.Mlp(), Path.Combine(Dir(), "a.safetensors"), new Dictionary<string, string> { ["k"] = null! }); return "saved"; }, Expect.Error("metadata", "k"));
        // An explicit "format" value is documented to be kept (a file for another reader may need its own).
        yield return C("Checkpoint.Save", "explicit-format-key", () => { Checkpoint.Save(M.Mlp(), Path.Combine(Dir(), "a.safetensors"), new Dictionary<string, string> { [Checkpoint.FormatKey] = "mine" }); return "saved"; }, Expect.Result("saved", r => r is "saved" ? null : "not saved"));
        yield return C("safetensors.save_file", "null-tensors", () => { safetensors.save_file(null!, Path.Combine(Dir(), "a")); return "saved"; }, Expect.Null("tensors"));
        yield return C("safetensors.save_file", "disposed-tensor", () => { safetensors.save_file(new Dictionary<string, Tensor> { ["w"] = M.Dead(zeros(2)) }, Path.Combine(Dir(), "a")); return "saved"; }, Expect.Disposed("w"));
        yield return C("safetensors.save_file", "null-tensor", () => { safetensors.save_file(new Dictionary<string, Tensor> { ["w"] = null! }, Path.Combine(Dir(), "a")); return "saved"; }, Expect.Error("w", "null"));
        yield return C("safetensors.save_file", "complex-dtype", () => { safetensors.save_file(new Dictionary<string, Tensor> { ["w"] = zeros(2, dtype: ScalarType.ComplexFloat32) }, Path.Combine(Dir(), "a")); return "saved"; }, Expect.Error<NotSupportedException>("w", "Complex"));
        yield return C("safetensors.save_file", "empty-key", () => { safetensors.save_file(new Dictionary<string, Tensor> { [""] = zeros(2) }, Path.Combine(Dir(), "a")); return "saved"; }, Expect.Error("name|key", "empty"));
        yield return C("safetensors.save_file", "metadata-key-reserved", () => { safetensors.save_file(new Dictionary<string, Tensor> { ["__metadata__"] = zeros(2) }, Path.Combine(Dir(), "a")); return "saved"; }, Expect.Error("__metadata__"));
        yield return C("safetensors.save_file", "round-trip-non-contiguous", () => { var p = Path.Combine(Dir(), "a"); var t = randn(3, 4).t(); safetensors.save_file(new Dictionary<string, Tensor> { ["w"] = t }, p); return (safetensors.load_file(p)["w"], t); },
            Expect.Result("equal", r => { var (a, t) = ((Tensor, Tensor))r!; return Verify.Close(a, t, 0); }));
    }
}
