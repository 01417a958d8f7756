// Marks TorchSharp 0.107's need for GLIBCXX_3.4.32 as weak in a copied libLibTorchSharp.so, so the library
// loads on Linux systems whose libstdc++ stops at GLIBCXX_3.4.30/31 (Debian 12, Ubuntu 22.04).
//
// Why it is safe: the only symbol bound to that version is _ZSt21ios_base_library_initv, a marker that GCC 13's
// <iostream> emits and that no relocation refers to. glibc refuses to load a library with a missing *non-weak*
// version need; a missing weak one is only reported by ldd. The patch is refused unless that is exactly the
// situation (every symbol tied to the version is the marker and no relocation names one of them).
//
// This file is compiled twice: by MSBuild's RoslynCodeTaskFactory (the task, from the package's buildTransitive
// targets) and by the test project (the ELF edit, tested on a copy of the real file). It must stay self-contained
// C# that the code task factory accepts: no other files, no packages beyond MSBuild's own.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace AttrDsl.Build
{
    /// <summary>What <see cref="GlibcxxWeakVersion.Patch"/> did to a file.</summary>
    public enum GlibcxxPatchOutcome
    {
        /// <summary>The version need was strong and is now weak.</summary>
        Patched,
        /// <summary>The version need was weak already (an earlier build patched this copy).</summary>
        AlreadyWeak,
        /// <summary>The file has no need for the version (another TorchSharp build): left as it is.</summary>
        NotNeeded,
        /// <summary>The file is not what the patch expects; it was left untouched. The message says why.</summary>
        Refused,
    }

    /// <summary>The result of one file: the outcome and a sentence for the build log.</summary>
    public sealed class GlibcxxPatchResult
    {
        public GlibcxxPatchResult(GlibcxxPatchOutcome outcome, string message)
        {
            Outcome = outcome;
            Message = message;
        }

        public GlibcxxPatchOutcome Outcome { get; }
        public string Message { get; }
    }

    /// <summary>The ELF edit: sets VER_FLG_WEAK on one Vernaux entry of <c>.gnu.version_r</c>, after safety checks.</summary>
    public static class GlibcxxWeakVersion
    {
        public const string Library = "libstdc++.so.6";
        public const string Version = "GLIBCXX_3.4.32";
        public const string MarkerSymbol = "_ZSt21ios_base_library_initv";

        private const uint ShtRela = 4, ShtRel = 9, ShtDynsym = 11, ShtVerneed = 0x6ffffffe, ShtVersym = 0x6fffffff;
        private const ushort VerFlgWeak = 0x2;

        /// <summary>Checks <paramref name="path"/> and, when safe, rewrites it (temp file + rename, mtime kept).</summary>
        public static GlibcxxPatchResult Patch(string path)
        {
            byte[] bytes;
            try { bytes = File.ReadAllBytes(path); }
            catch (Exception e) { return Refuse("cannot read the file: " + e.Message); }

            var result = Analyse(bytes, out var flagsOffset);
            if (result.Outcome != GlibcxxPatchOutcome.Patched)
                return result;

            var flags = (ushort)(BitConverter.ToUInt16(bytes, flagsOffset) | VerFlgWeak);
            bytes[flagsOffset] = (byte)flags;
            bytes[flagsOffset + 1] = (byte)(flags >> 8);

            // Write a new file and rename it over the copy: if the copy is a hard link into the NuGet cache, the
            // cache's file keeps its own inode and is never written through.
            var modified = File.GetLastWriteTimeUtc(path);
            var temp = path + ".attrdsl-" + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp";
            try
            {
                File.WriteAllBytes(temp, bytes);
                CopyMode(path, temp);
                File.SetLastWriteTimeUtc(temp, modified); // incremental copies compare size and time: stay quiet
                File.Replace(temp, path, null); // rename(2) on Unix
            }
            catch (Exception e)
            {
                try { File.Delete(temp); } catch { /* best effort */ }
                return Refuse("cannot write the patched copy: " + e.Message);
            }
            return result;
        }

        /// <summary>
        /// Everything but the write: finds the Vernaux entry and checks that weakening it is harmless.
        /// <paramref name="flagsOffset"/> is the file offset of its <c>vna_flags</c> when the outcome is Patched.
        /// </summary>
        public static GlibcxxPatchResult Analyse(byte[] elf, out int flagsOffset)
        {
            flagsOffset = -1;
            try
            {
                return AnalyseCore(elf, out flagsOffset);
            }
            catch (Exception e) when (e is ArgumentException || e is IndexOutOfRangeException || e is OverflowException)
            {
                return Refuse("the ELF structures run past the end of the file (" + e.Message + ")");
            }
        }

        private static GlibcxxPatchResult AnalyseCore(byte[] elf, out int flagsOffset)
        {
            flagsOffset = -1;
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                return Refuse("not an ELF file");
            if (elf[4] != 2 || elf[5] != 1)
                return Refuse("not a 64-bit little-endian ELF file");

            var shoff = checked((int)U64(elf, 0x28));
            var shentsize = U16(elf, 0x3A);
            var shnum = U16(elf, 0x3C);
            if (shoff == 0 || shnum == 0 || shentsize < 64)
                return Refuse("the file has no section headers");

            var sections = new List<Section>(shnum);
            for (var i = 0; i < shnum; i++)
            {
                var h = checked(shoff + i * shentsize);
                sections.Add(new Section(
                    type: U32(elf, h + 4),
                    offset: checked((int)U64(elf, h + 24)),
                    size: checked((int)U64(elf, h + 32)),
                    link: (int)U32(elf, h + 40),
                    info: (int)U32(elf, h + 44),
                    entsize: checked((int)U64(elf, h + 56))));
            }

            var verneedIndex = sections.FindIndex(s => s.Type == ShtVerneed);
            if (verneedIndex < 0)
                return new GlibcxxPatchResult(GlibcxxPatchOutcome.NotNeeded, "the file has no version needs");
            var verneed = sections[verneedIndex];
            var verneedStrings = sections[verneed.Link];

            // Walk the Verneed records to the libstdc++ one, then its Vernaux entries to the version.
            int auxOffset = -1;
            ushort versionIndex = 0, flags = 0;
            var record = verneed.Offset;
            for (var n = 0; n < verneed.Info || verneed.Info == 0; n++)
            {
                var cnt = U16(elf, record + 2);
                var file = CString(elf, verneedStrings.Offset + (int)U32(elf, record + 4));
                var aux = record + (int)U32(elf, record + 8);
                if (file == Library)
                {
                    for (var a = 0; a < cnt; a++)
                    {
                        var name = CString(elf, verneedStrings.Offset + (int)U32(elf, aux + 8));
                        if (name == Version)
                        {
                            auxOffset = aux;
                            flags = U16(elf, aux + 4);
                            versionIndex = U16(elf, aux + 6);
                        }
                        var nextAux = U32(elf, aux + 12);
                        if (nextAux == 0) break;
                        aux += (int)nextAux;
                    }
                }
                var next = U32(elf, record + 12);
                if (next == 0) break;
                record += (int)next;
            }

            if (auxOffset < 0)
                return new GlibcxxPatchResult(GlibcxxPatchOutcome.NotNeeded, "the file does not need " + Version);
            if ((flags & VerFlgWeak) != 0)
                return new GlibcxxPatchResult(GlibcxxPatchOutcome.AlreadyWeak, Version + " is already a weak need");

            // Every dynamic symbol bound to that version must be the iostream marker.
            var dynsymIndex = sections.FindIndex(s => s.Type == ShtDynsym);
            var versymIndex = sections.FindIndex(s => s.Type == ShtVersym);
            if (dynsymIndex < 0 || versymIndex < 0)
                return Refuse("the file has no dynamic symbol table or no symbol versions");
            var dynsym = sections[dynsymIndex];
            var versym = sections[versymIndex];
            var symStrings = sections[dynsym.Link];
            var symEnt = dynsym.EntSize == 0 ? 24 : dynsym.EntSize;
            var symCount = dynsym.Size / symEnt;
            if (versym.Size / 2 != symCount)
                return Refuse(".gnu.version and .dynsym disagree on the number of symbols");

            var bound = new HashSet<uint>();
            for (var s = 0; s < symCount; s++)
            {
                if ((U16(elf, versym.Offset + 2 * s) & 0x7fff) != versionIndex) continue;
                var name = CString(elf, symStrings.Offset + (int)U32(elf, dynsym.Offset + s * symEnt));
                if (name != MarkerSymbol)
                    return Refuse("symbol '" + name + "' is bound to " + Version + "; weakening the need could break it");
                bound.Add((uint)s);
            }

            // No relocation may refer to a symbol of that version.
            for (var i = 0; i < sections.Count; i++)
            {
                var sec = sections[i];
                if ((sec.Type != ShtRela && sec.Type != ShtRel) || sec.Link != dynsymIndex) continue;
                var ent = sec.EntSize != 0 ? sec.EntSize : (sec.Type == ShtRela ? 24 : 16);
                for (var r = 0; r + ent <= sec.Size; r += ent)
                {
                    var sym = (uint)(U64(elf, sec.Offset + r + 8) >> 32);
                    if (bound.Contains(sym))
                        return Refuse("a relocation refers to " + MarkerSymbol + "; weakening the need could break it");
                }
            }

            flagsOffset = auxOffset + 4;
            return new GlibcxxPatchResult(GlibcxxPatchOutcome.Patched,
                "marked " + Version + " (needed only by " + MarkerSymbol + ", no relocation) as a weak need");
        }

        private static GlibcxxPatchResult Refuse(string why) => new GlibcxxPatchResult(GlibcxxPatchOutcome.Refused, why);

        private static ushort U16(byte[] b, int o) => BitConverter.ToUInt16(b, o);
        private static uint U32(byte[] b, int o) => BitConverter.ToUInt32(b, o);
        private static ulong U64(byte[] b, int o) => BitConverter.ToUInt64(b, o);

        private static string CString(byte[] b, int o)
        {
            var end = Array.IndexOf(b, (byte)0, o);
            if (end < 0) throw new ArgumentException("unterminated string");
            return Encoding.ASCII.GetString(b, o, end - o);
        }

        private static void CopyMode(string from, string to)
        {
#if NET7_0_OR_GREATER
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(to, File.GetUnixFileMode(from));
#endif
        }

        private readonly struct Section
        {
            public Section(uint type, int offset, int size, int link, int info, int entsize)
            {
                Type = type; Offset = offset; Size = size; Link = link; Info = info; EntSize = entsize;
            }
            public uint Type { get; }
            public int Offset { get; }
            public int Size { get; }
            public int Link { get; }
            public int Info { get; }
            public int EntSize { get; }
        }
    }

#if !ATTRDSL_NO_MSBUILD_TASK
    /// <summary>The MSBuild task: patches every given libLibTorchSharp.so and logs what it did.</summary>
    public sealed class AttrDslMarkGlibcxxWeak : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

        public override bool Execute()
        {
            foreach (var item in Files)
            {
                var path = item.GetMetadata("FullPath");
                var result = GlibcxxWeakVersion.Patch(path);
                if (result.Outcome == GlibcxxPatchOutcome.Refused)
                    Log.LogWarning(null, "ATTRDSL0001", null, path, 0, 0, 0, 0,
                        "AttrDsl left {0} unpatched: {1}. TorchSharp may not load where libstdc++ lacks {2}; set AttrDslPatchGlibcxx=false to silence this.",
                        path, result.Message, GlibcxxWeakVersion.Version);
                else
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, "AttrDsl: {0}: {1}", path, result.Message);
            }
            return !Log.HasLoggedErrors;
        }
    }
#endif
}
