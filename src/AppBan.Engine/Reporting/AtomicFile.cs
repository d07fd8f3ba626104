using System;
using System.IO;

namespace AppBan.Engine.Reporting
{
    /// <summary>
    /// Writes a file so that readers see either the old content or the new, never half of it: the content goes
    /// to a temporary file in the same folder, is flushed to disk, and then renamed over the target.
    /// </summary>
    public static class AtomicFile
    {
        public static void Write(string path, Action<Stream> write)
        {
            if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("A file path is required.", nameof(path));
            if (write == null) throw new ArgumentNullException(nameof(write));
            var fullPath = Path.GetFullPath(path);
            var folder = Path.GetDirectoryName(fullPath);
            if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
            var temp = Path.Combine(folder ?? string.Empty, "." + Path.GetFileName(fullPath) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            try
            {
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    write(stream);
                    stream.Flush(true);
                }
                MoveOver(temp, fullPath);
            }
            catch
            {
                TryDelete(temp);
                throw;
            }
        }

        private static void MoveOver(string temp, string destination)
        {
            // File.Move refuses an existing destination on netstandard2.0 and File.Replace needs one (on .NET
            // Framework): pick by existence, and go round again if another writer got in between.
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    if (File.Exists(destination)) File.Replace(temp, destination, null, true);
                    else File.Move(temp, destination);
                    return;
                }
                catch (IOException) when (attempt < 3)
                {
                }
                catch (UnauthorizedAccessException) when (attempt < 3 && File.Exists(temp))
                {
                }
            }
        }

        private static void TryDelete(string path)
        {
            try { if (File.Exists(path)) File.Delete(path); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }
}
