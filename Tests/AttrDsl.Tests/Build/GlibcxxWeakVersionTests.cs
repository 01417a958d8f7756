using System.Reflection;
using System.Text;
using AttrDsl.Build;

namespace AttrDsl.Tests.Build;

/// <summary>
/// The ELF edit of the GLIBCXX build step, on copies of TorchSharp's real <c>libLibTorchSharp.so</c> from the NuGet
/// cache: it weakens exactly one flag, is idempotent, never writes through a hard link, keeps the mtime, and refuses
/// every file it cannot prove the edit harmless for.
/// </summary>
public sealed class GlibcxxWeakVersionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("attrdsl-elf-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Original()
    {
        var root = typeof(GlibcxxWeakVersionTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "NuGetPackageRoot").Value!;
        var path = Directory.GetFiles(Path.Combine(root, "torchsharp"), "libLibTorchSharp.so", SearchOption.AllDirectories)
            .Single(p => p.Contains("linux-x64", StringComparison.Ordinal));
        return path;
    }

    private string Copy(string name = "libLibTorchSharp.so")
    {
        var path = Path.Combine(_dir, name);
        File.Copy(Original(), path);
        File.SetLastWriteTimeUtc(path, new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc));
        return path;
    }

    [Fact]
    public void PatchesExactlyTheFlagsOfTheVersionNeed()
    {
        var path = Copy();
        var before = File.ReadAllBytes(path);
        var analysis = GlibcxxWeakVersion.Analyse(before, out var flagsOffset);
        Assert.Equal(GlibcxxPatchOutcome.Patched, analysis.Outcome);

        var result = GlibcxxWeakVersion.Patch(path);
        Assert.Equal(GlibcxxPatchOutcome.Patched, result.Outcome);
        var after = File.ReadAllBytes(path);
        Assert.Equal(before.Length, after.Length);
        var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToArray();
        Assert.Equal([flagsOffset], changed);
        Assert.Equal(before[flagsOffset] | 0x2, after[flagsOffset]);
        Assert.Equal(new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc), File.GetLastWriteTimeUtc(path));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void IsIdempotent()
    {
        var path = Copy();
        Assert.Equal(GlibcxxPatchOutcome.Patched, GlibcxxWeakVersion.Patch(path).Outcome);
        var once = File.ReadAllBytes(path);
        Assert.Equal(GlibcxxPatchOutcome.AlreadyWeak, GlibcxxWeakVersion.Patch(path).Outcome);
        Assert.Equal(once, File.ReadAllBytes(path));
    }

    [Fact]
    public void TheBuildPatchedTheCopyBesideTheTestsButNotTheNuGetCache()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.Equal(GlibcxxPatchOutcome.AlreadyWeak, GlibcxxWeakVersion.Analyse(File.ReadAllBytes(beside), out _).Outcome);
        Assert.Equal(GlibcxxPatchOutcome.Patched, GlibcxxWeakVersion.Analyse(File.ReadAllBytes(Original()), out _).Outcome);
    }

    [Fact]
    public void NeverWritesThroughAHardLink()
    {
        var cache = Copy("cache.so");
        var linked = Path.Combine(_dir, "libLibTorchSharp.so");
        if (!CreateHardLink(cache, linked))
            Assert.Fail("could not create a hard link in the temp folder");
        Assert.Equal(GlibcxxPatchOutcome.Patched, GlibcxxWeakVersion.Patch(linked).Outcome);
        Assert.Equal(GlibcxxPatchOutcome.Patched, GlibcxxWeakVersion.Analyse(File.ReadAllBytes(cache), out _).Outcome);
        Assert.Equal(GlibcxxPatchOutcome.AlreadyWeak, GlibcxxWeakVersion.Analyse(File.ReadAllBytes(linked), out _).Outcome);
    }

    [Fact]
    public void RefusesAFileThatIsNotElf()
    {
        var path = Path.Combine(_dir, "libLibTorchSharp.so");
        File.WriteAllText(path, "not a shared library, but long enough to have a header of sixty-four bytes in it at least");
        AssertRefused(path, "not an ELF file");
    }

    [Theory]
    [InlineData(4, 1, "64-bit little-endian")]   // ELFCLASS32
    [InlineData(5, 2, "64-bit little-endian")]   // big-endian
    public void RefusesOtherElfKinds(int offset, byte value, string reason)
    {
        var path = Copy();
        var bytes = File.ReadAllBytes(path);
        bytes[offset] = value;
        File.WriteAllBytes(path, bytes);
        AssertRefused(path, reason);
    }

    [Fact]
    public void RefusesATruncatedFile()
    {
        var path = Copy();
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        AssertRefused(path, "past the end");
    }

    [Fact]
    public void RefusesWhenAnotherSymbolIsBoundToTheVersion()
    {
        var path = Copy();
        var bytes = File.ReadAllBytes(path);
        // Rename the marker in the dynamic string table: the symbol bound to GLIBCXX_3.4.32 is then not the marker.
        var marker = Encoding.ASCII.GetBytes(GlibcxxWeakVersion.MarkerSymbol + "\0");
        var at = bytes.AsSpan().IndexOf(marker);
        Assert.True(at > 0);
        bytes[at + 5] = (byte)'X';
        File.WriteAllBytes(path, bytes);
        AssertRefused(path, "is bound to GLIBCXX_3.4.32");
    }

    [Fact]
    public void RefusesWhenARelocationRefersToTheMarker()
    {
        var path = Copy();
        var bytes = File.ReadAllBytes(path);
        var elf = new MiniElf(bytes);
        var marker = elf.DynamicSymbolIndex(GlibcxxWeakVersion.MarkerSymbol);
        var (offset, entSize) = elf.FirstDynamicRelocation();
        // r_info = (symbol << 32) | type: point the first relocation at the marker.
        var info = BitConverter.ToUInt64(bytes, offset + 8);
        BitConverter.TryWriteBytes(bytes.AsSpan(offset + 8), ((ulong)marker << 32) | (info & 0xffffffff));
        File.WriteAllBytes(path, bytes);
        AssertRefused(path, "relocation refers to");
        Assert.True(entSize is 16 or 24);
    }

    [Fact]
    public void LeavesALibraryWithoutTheNeedAlone()
    {
        var libc = new[] { "/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1", "/lib/x86_64-linux-gnu/libm.so.6" }
            .First(File.Exists);
        var path = Path.Combine(_dir, "other.so");
        File.Copy(libc, path);
        var before = File.ReadAllBytes(path);
        Assert.Equal(GlibcxxPatchOutcome.NotNeeded, GlibcxxWeakVersion.Patch(path).Outcome);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void ReportsAMissingFile() =>
        Assert.Contains("cannot read", GlibcxxWeakVersion.Patch(Path.Combine(_dir, "missing.so")).Message);

    private static void AssertRefused(string path, string reason)
    {
        var before = File.ReadAllBytes(path);
        var result = GlibcxxWeakVersion.Patch(path);
        Assert.Equal(GlibcxxPatchOutcome.Refused, result.Outcome);
        Assert.Contains(reason, result.Message);
        Assert.Equal(before, File.ReadAllBytes(path)); // untouched
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int link(string oldpath, string newpath);

    private static bool CreateHardLink(string existing, string link) => GlibcxxWeakVersionTests.link(existing, link) == 0;

    /// <summary>Just enough ELF64 reading to build the refusal cases (independent of the code under test).</summary>
    private sealed class MiniElf(byte[] b)
    {
        private (uint Type, int Offset, int Size, int Link, int EntSize)[] Sections { get; } = ReadSections(b);

        private static (uint, int, int, int, int)[] ReadSections(byte[] b)
        {
            var shoff = (int)BitConverter.ToUInt64(b, 0x28);
            var size = BitConverter.ToUInt16(b, 0x3A);
            var count = BitConverter.ToUInt16(b, 0x3C);
            return Enumerable.Range(0, count).Select(i => shoff + i * size).Select(h => (
                BitConverter.ToUInt32(b, h + 4), (int)BitConverter.ToUInt64(b, h + 24), (int)BitConverter.ToUInt64(b, h + 32),
                (int)BitConverter.ToUInt32(b, h + 40), (int)BitConverter.ToUInt64(b, h + 56))).ToArray();
        }

        public int DynamicSymbolIndex(string name)
        {
            var dynsym = Sections.Single(s => s.Type == 11);
            var strtab = Sections[dynsym.Link];
            for (var i = 0; i < dynsym.Size / 24; i++)
            {
                var at = strtab.Offset + (int)BitConverter.ToUInt32(b, dynsym.Offset + 24 * i);
                var end = Array.IndexOf(b, (byte)0, at);
                if (Encoding.ASCII.GetString(b, at, end - at) == name) return i;
            }
            throw new InvalidOperationException($"{name} is not a dynamic symbol");
        }

        public (int Offset, int EntSize) FirstDynamicRelocation()
        {
            var dynsymIndex = Array.FindIndex(Sections, s => s.Type == 11);
            var rela = Sections.First(s => s.Type == 4 && s.Link == dynsymIndex && s.Size > 0);
            return (rela.Offset, rela.EntSize);
        }
    }
}
