#nullable enable
using System;
using System.IO;
using System.Xml.Linq;
using Xunit;

namespace AppBan.Engine.Tests.Simulation
{
    /// <summary>
    /// Where the WS-Man replies tests read live: the repository's own fixtures (Fixtures/WsMan, copied beside the
    /// engine test assembly) and the real WinRM captures beside the repository (../shared/fixtures/wsman-captured,
    /// or APPBAN_CAPTURES_DIR), which may be absent. The simulator tests compile this file too.
    /// </summary>
    public static class CapturedReplies
    {
        /// <summary>The RelatesTo every fixture carries, replaced by <see cref="ReplyTo"/>.</summary>
        public const string TemplateRelatesTo = "uuid:11111111-2222-3333-4444-555555555555";

        /// <summary>A fixture of the repository's own, by file name.</summary>
        public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "WsMan", name);
        public static string Read(string name) => File.ReadAllText(Path(name));

        /// <summary>A fixture as a reply to <paramref name="messageId"/>.</summary>
        public static string ReplyTo(string name, string messageId) => Read(name).Replace(TemplateRelatesTo, messageId);

        /// <summary>The folder of the real WinRM captures, or null when they are not on this machine.</summary>
        public static string? SharedDirectory { get; } = FindShared();

        public static string SharedPath(string name) =>
            System.IO.Path.Combine(SharedDirectory ?? throw new InvalidOperationException("The real WinRM captures are not present."), name);
        public static string ReadShared(string name) => File.ReadAllText(SharedPath(name));
        public static XDocument LoadShared(string name) => XDocument.Parse(ReadShared(name));

        private static string? FindShared()
        {
            var overridden = Environment.GetEnvironmentVariable("APPBAN_CAPTURES_DIR");
            if (!string.IsNullOrEmpty(overridden)) return Directory.Exists(overridden) ? overridden : null;
            try
            {
                var dir = System.IO.Path.GetFullPath(System.IO.Path.Combine(SimulatorProcess.RepositoryRoot(), "..", "shared", "fixtures", "wsman-captured"));
                return Directory.Exists(dir) ? dir : null;
            }
            catch (InvalidOperationException) { return null; }
        }
    }

    /// <summary>A fact that runs only where the real WinRM captures are present, and says why it skips.</summary>
    public sealed class CapturedRepliesFactAttribute : FactAttribute
    {
        public CapturedRepliesFactAttribute()
        {
            if (CapturedReplies.SharedDirectory is null)
                Skip = "The real WinRM captures are not available: ../shared/fixtures/wsman-captured does not exist beside the repository (set APPBAN_CAPTURES_DIR to point at them).";
        }
    }
}
