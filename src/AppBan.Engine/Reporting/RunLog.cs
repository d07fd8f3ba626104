using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace AppBan.Engine.Reporting
{
    /// <summary>
    /// The plain-text log of an unattended run: one line per event, UTC time first, appended (the file keeps every
    /// run). Safe to call from several threads. A log that cannot be written never stops the run: the first failure
    /// is kept in <see cref="Problem"/> and later lines are dropped.
    /// </summary>
    public sealed class RunLog
    {
        private readonly object _gate = new object();
        private readonly IClock _clock;

        public RunLog(string path, IClock clock = null)
        {
            if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("A log path is required.", nameof(path));
            Path = System.IO.Path.GetFullPath(path);
            _clock = clock ?? SystemClock.Instance;
        }

        public string Path { get; }

        /// <summary>Why the log could not be written; null while it works.</summary>
        public string Problem { get; private set; }

        public void Write(string text)
        {
            var line = _clock.UtcNow.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) + " " +
                       RunSummary.OneLineOf(text) + Environment.NewLine;
            lock (_gate)
            {
                if (Problem != null) return;
                try
                {
                    var folder = System.IO.Path.GetDirectoryName(Path);
                    if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
                    using (var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
                    {
                        var bytes = new UTF8Encoding(false).GetBytes(line);
                        stream.Write(bytes, 0, bytes.Length);
                    }
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is System.Security.SecurityException)
                {
                    Problem = ex.Message;
                }
            }
        }

        public void WriteAction(ReportAction action) =>
            Write("  " + action.ComputerName + ": " + action.Outcome + " " + action.AppName +
                  (string.IsNullOrEmpty(action.Version) ? "" : " " + action.Version) + " (" + action.Kind + ", " + action.Method +
                  (action.ExitCode.HasValue ? ", exit code " + action.ExitCode.Value.ToString(CultureInfo.InvariantCulture) : "") +
                  ", status " + action.Status + ")" + (string.IsNullOrEmpty(action.Error) ? "" : ": " + action.Error)
                  + (string.IsNullOrEmpty(action.Message) ? "" : ": " + action.Message));

        public void WriteTarget(TargetReport target) =>
            Write("  " + target.ComputerName + ": " + target.Status + ", " + target.Findings.Count.ToString(CultureInfo.InvariantCulture) +
                  " finding(s)" + (string.IsNullOrEmpty(target.StatusDetail) ? "" : ": " + target.StatusDetail));
    }
}
