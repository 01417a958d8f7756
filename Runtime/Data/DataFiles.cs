using System.IO.Compression;

namespace AttrDsl.Data;

/// <summary>Opening the files and folders a data loader is given, with errors that name the path and the fix.</summary>
internal static class DataFiles
{
    /// <summary>
    /// The file at <paramref name="path"/> opened for reading, decompressed when its content is gzip (detected by the
    /// gzip magic bytes, not by the name, so a download that was unpacked but kept its <c>.gz</c> name still reads).
    /// </summary>
    /// <returns>The stream and, for an uncompressed file, its length (null for gzip: known only once read).</returns>
    public static (Stream Stream, long? Length) OpenMaybeGzip(string path, string method, string paramName)
    {
        ArgumentNullException.ThrowIfNull(path, paramName);
        if (path.Length == 0) throw new ArgumentException($"{method}: {paramName} is empty; pass the path of a file", paramName);
        if (Directory.Exists(path))
            throw new ArgumentException($"{method}: '{path}' is a directory, not a file; pass the path of a file in it", paramName);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{method}: no file at '{Path.GetFullPath(path)}' (the current directory is '{Directory.GetCurrentDirectory()}')", path);
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            Span<byte> magic = stackalloc byte[2];
            var n = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            file.Position = 0;
            if (n == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
                return (new GZipStream(file, CompressionMode.Decompress), null);
            return (file, file.Length);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The folder at <paramref name="path"/> as a full path, or an error naming what is there instead.</summary>
    public static string Folder(string path, string method, string paramName)
    {
        ArgumentNullException.ThrowIfNull(path, paramName);
        if (path.Length == 0) throw new ArgumentException($"{method}: {paramName} is empty; pass the path of a folder", paramName);
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
            throw new ArgumentException($"{method}: '{full}' is a file, not a folder; pass the folder that holds the data", paramName);
        if (!Directory.Exists(full))
            throw new DirectoryNotFoundException($"{method}: the folder '{full}' does not exist (the current directory is '{Directory.GetCurrentDirectory()}'); " +
                                                 $"pass the folder that holds the data ({paramName})");
        return full;
    }

    /// <summary>Reads up to <paramref name="buffer"/>'s length; returns how many bytes came before the end of the stream.</summary>
    public static int ReadUpTo(Stream stream, Span<byte> buffer, string path, string method)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{method}: '{path}' is a damaged gzip file ({e.Message}); download it again", e);
        }
    }
}
