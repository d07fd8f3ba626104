using System;
using System.IO;
using System.Threading;
using AppBan.Engine.Exemptions;

namespace AppBan.Engine.Policy
{
    /// <summary>
    /// An exclusive lock on a policy file, held while it is read, edited and replaced, so that several processes
    /// granting at once serialise instead of losing each other's grants.
    ///
    /// The lock is a file next to the policy, "&lt;policy file name&gt;.lock", opened with FileShare.None. On Windows
    /// the sharing mode is enforced by the OS. On Linux and macOS .NET takes an advisory flock(LOCK_EX) for
    /// FileShare.None, which every AppBan process honours (unless DOTNET_SYSTEM_IO_DISABLEFILELOCKING is set).
    /// The lock file is left in place on release: deleting it would let a waiter lock the unlinked file while a
    /// newcomer locks a new one. It holds no data and may be deleted when no grant is running. A process that dies
    /// releases the lock with its handle, so there is no stale lock to clean up.
    /// </summary>
    internal sealed class PolicyFileLock : IDisposable
    {
        public const string Suffix = ".lock";
        private FileStream stream;

        private PolicyFileLock(FileStream stream, string path)
        {
            this.stream = stream;
            LockPath = path;
        }

        public string LockPath { get; }

        public static string LockPathFor(string policyPath) => Path.GetFullPath(policyPath) + Suffix;

        /// <summary>
        /// Takes the lock, retrying with short random pauses for up to <paramref name="timeout"/>; then gives up with
        /// <see cref="ExemptionErrorKind.PolicyLocked"/>. Access denied is not retried.
        /// </summary>
        public static PolicyFileLock Acquire(string policyPath, TimeSpan timeout, CancellationToken ct = default)
        {
            var lockPath = LockPathFor(policyPath);
            var deadline = DateTime.UtcNow + timeout;
            var random = new Random(Guid.NewGuid().GetHashCode());
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                try
                {
                    var fs = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
                    return new PolicyFileLock(fs, lockPath);
                }
                catch (IOException ex) when (!(ex is FileNotFoundException) && !(ex is DirectoryNotFoundException) && !(ex is PathTooLongException))
                {
                    // Held by another process (sharing violation on Windows, EWOULDBLOCK on Unix).
                    if (DateTime.UtcNow >= deadline)
                        throw new ExemptionException(ExemptionErrorKind.PolicyLocked, policyPath,
                            "The policy file " + policyPath + " stayed locked by another process for " + timeout.TotalSeconds +
                            " s (lock file " + lockPath + "). Nothing was written; try again.", ex);
                }
                var pause = TimeSpan.FromMilliseconds(random.Next(20, 120));
                if (ct.WaitHandle.WaitOne(pause)) ct.ThrowIfCancellationRequested();
            }
        }

        public void Dispose()
        {
            var s = Interlocked.Exchange(ref stream, null);
            s?.Dispose();
        }
    }
}
