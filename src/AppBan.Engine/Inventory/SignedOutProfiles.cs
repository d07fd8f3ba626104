using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using AppBan.Engine.Cim;

namespace AppBan.Engine.Inventory
{
    /// <summary>A signed-out user whose profile folder passed <see cref="SignedOutProfiles.CheckProfilePath"/>.</summary>
    internal sealed class SignedOutProfile
    {
        public SignedOutProfile(string sid, string profilePath)
        {
            if (!SecurityIdentifiers.IsValid(sid)) throw new ArgumentException("Not a SID: " + sid, nameof(sid));
            Sid = sid;
            ProfilePath = profilePath ?? throw new ArgumentNullException(nameof(profilePath));
        }

        public string Sid { get; }
        /// <summary>The profile folder, checked and without a trailing backslash: X:\folder\...</summary>
        public string ProfilePath { get; }
    }

    /// <summary>
    /// How a signed-out user's hives are read: ProfileList names every profile, HKU only those whose hive is loaded (the user
    /// is signed in). For the others, one elevated command per target (in chunks, see <see cref="Chunk"/>) loads each
    /// user's NTUSER.DAT and UsrClass.dat under a name of its own with reg.exe, copies the keys inventory reads into
    /// <c>HKLM\SOFTWARE\AppBan\Profiles\&lt;runId&gt;\&lt;SID&gt;</c> (admin-only), and unloads them at once; the scan
    /// then reads the copy with StdRegProv and deletes it. The hive stays loaded only while reg.exe copies, so a user who
    /// signs in at that moment gets a temporary profile [guess W090]; a user signed in meanwhile makes the load fail
    /// (the file is in use) and is named with <see cref="UserNotScannedReason.HiveLoadFailed"/>. reg.exe load works in a
    /// process Win32_Process.Create starts for an administrator, who holds the backup and restore privileges it needs
    /// [guess W093]; for anyone else the load fails and the user is named the same way.
    /// <para>
    /// What is copied was written by the user (their uninstall entries, their package repository): the copy is read as
    /// theirs, never as an administrator's. reg.exe copy /s writes only below its destination, whatever the source holds,
    /// registry links included [guess W092], so a user's hive cannot make the copy write elsewhere in HKLM.
    /// </para>
    /// <para>
    /// Only the profile folder reaches the command, from ProfileList (admin-only), checked by
    /// <see cref="CheckProfilePath"/>: nothing from a user's own hive is ever part of a command. <c>&lt;runId&gt;</c> is a
    /// <see cref="RunKeyName"/>, so copies left behind (a scan cancelled or timed out) are swept by the Runs rule.
    /// </para>
    /// </summary>
    internal static class SignedOutProfiles
    {
        /// <summary>Under HKLM: one subkey per snapshot command, named by its run id.</summary>
        public const string ProfilesKey = @"SOFTWARE\AppBan\Profiles";
        /// <summary>DWORD 1 on a user's copy once reg.exe loaded their NTUSER.DAT.</summary>
        public const string LoadedValue = "Loaded";
        /// <summary>DWORD 1 on a user's copy once reg.exe loaded their UsrClass.dat.</summary>
        public const string ClassesLoadedValue = "ClassesLoaded";
        public const string UninstallCopy = "Uninstall";
        public const string PoliciesCopy = "Policies";
        public const string PackagesCopy = "Packages";
        /// <summary>Under the user's own hive: the policy keys copied for the browser-policy writer.</summary>
        public const string UserPoliciesKey = @"Software\Policies";
        /// <summary>Where SystemRoot is read to expand %SystemRoot% and %SystemDrive% in a profile path.</summary>
        public const string SystemRootKey = @"SOFTWARE\Microsoft\Windows NT\CurrentVersion";
        public const string SystemRootValue = "SystemRoot";

        /// <summary>
        /// Every command line stays under this length, the exit-code wrapper included: cmd.exe takes at most 8191
        /// characters [doc: "Command prompt (Cmd. exe) command-line string limitation"], and the margin keeps room for it.
        /// </summary>
        public const int MaxCommandLineLength = 7000;
        /// <summary>A longer profile path is refused: a user's commands then always fit in one chunk, with room for several.</summary>
        public const int MaxProfilePathLength = 200;
        /// <summary>
        /// How long one snapshot command may run. reg.exe loads, copies a few keys and unloads per user: seconds, not
        /// minutes [guess W091], so the bound is generous and is only there so a stuck command cannot hold the scan.
        /// </summary>
        public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

        private static readonly Regex Variable = new Regex("%(?<name>[^%]*)%", RegexOptions.CultureInvariant);
        private static readonly Regex LocalRoot = new Regex(@"\A[A-Za-z]:\\", RegexOptions.CultureInvariant);
        private static readonly char[] Refused = { '"', '&', '|', '<', '>', '^', '%', '!', '/', '*', '?' };

        /// <summary>HKLM subkey of one snapshot command's copies.</summary>
        public static string CopyKey(string runId) => ProfilesKey + "\\" + runId;

        /// <summary>HKLM subkey of one user's copy.</summary>
        public static string UserCopyKey(string runId, string sid) => CopyKey(runId) + "\\" + sid;

        /// <summary>The name a user's NTUSER.DAT is loaded under, beneath HKU (their UsrClass.dat: the same with "_C").</summary>
        public static string LoadName(string runId, int index) => "AppBan-" + runId + "-" + index.ToString(CultureInfo.InvariantCulture);

        /// <summary>True when <paramref name="value"/> names %SystemRoot% or %SystemDrive%, so SystemRoot must be read to expand it.</summary>
        public static bool NeedsSystemRoot(string value) =>
            value != null && Variable.Matches(value).Cast<Match>().Any(m => IsSystemVariable(m.Groups["name"].Value));

        /// <summary>
        /// The profile folder a command may name, or null with <paramref name="refusal"/> saying why not. The value is
        /// ProfileImagePath as the provider returned it (REG_EXPAND_SZ is expanded in the provider's own environment
        /// [guess W006], so a per-user variable stays visible); a %SystemRoot% or %SystemDrive% still in it is expanded from
        /// <paramref name="systemRoot"/> (the target's own, from HKLM), and any other variable is refused. It must be an
        /// absolute local path (X:\...) below a drive's root, with no quote, no cmd.exe metacharacter (&amp; | &lt; &gt; ^ % !),
        /// no wildcard, no control character, no forward slash, no empty, "." or ".." segment, no segment that ends in a space
        /// or a dot (Windows drops them), no second colon (a stream), at most <see cref="MaxProfilePathLength"/> characters.
        /// </summary>
        public static string CheckProfilePath(string value, string systemRoot, out string refusal)
        {
            refusal = null;
            if (string.IsNullOrWhiteSpace(value)) return Refuse("ProfileList gives no ProfileImagePath", out refusal);
            var path = value;
            if (NeedsSystemRoot(path))
            {
                var root = systemRoot?.TrimEnd('\\');
                if (root == null || root.Length < 3 || !LocalRoot.IsMatch(root) || root.IndexOfAny(Refused) >= 0 || HasControl(root))
                    return Refuse("it names %SystemRoot% or %SystemDrive%, and the target's SystemRoot could not be read as a local path", out refusal);
                path = Variable.Replace(path, m =>
                {
                    var name = m.Groups["name"].Value;
                    if (string.Equals(name, "SystemRoot", StringComparison.OrdinalIgnoreCase)) return root;
                    if (string.Equals(name, "SystemDrive", StringComparison.OrdinalIgnoreCase)) return root.Substring(0, 2);
                    return m.Value;
                });
            }
            if (path.IndexOf('%') >= 0) return Refuse("it names a variable other than %SystemRoot% and %SystemDrive%", out refusal);
            if (HasControl(path)) return Refuse("it holds a control character", out refusal);
            if (path.IndexOf(XmlCharacters.Replacement) >= 0) return Refuse("it holds U+FFFD (characters the reply could not carry)", out refusal);
            if (path.IndexOf('"') >= 0) return Refuse("it holds a quote", out refusal);
            if (path.IndexOfAny(Refused) >= 0) return Refuse("it holds a cmd.exe metacharacter, a wildcard or a forward slash", out refusal);
            if (path.StartsWith(@"\\", StringComparison.Ordinal)) return Refuse("it is a network or device path, not a local one", out refusal);
            if (!LocalRoot.IsMatch(path)) return Refuse("it is not an absolute local path (X:\\...)", out refusal);
            var trimmed = path.TrimEnd('\\');
            if (trimmed.Length > MaxProfilePathLength)
                return Refuse("it is longer than " + MaxProfilePathLength.ToString(CultureInfo.InvariantCulture) + " characters", out refusal);
            if (trimmed.Length <= 3) return Refuse("it is a drive's root", out refusal);
            var segments = trimmed.Substring(3).Split('\\');
            foreach (var segment in segments)
            {
                if (segment.Length == 0) return Refuse("it has an empty segment", out refusal);
                if (segment == "." || segment == "..") return Refuse("it has a '.' or '..' segment", out refusal);
                if (segment.EndsWith(" ", StringComparison.Ordinal) || segment.EndsWith(".", StringComparison.Ordinal) || segment.StartsWith(" ", StringComparison.Ordinal))
                    return Refuse("a segment starts with a space or ends with a space or a dot", out refusal);
                if (segment.IndexOf(':') >= 0) return Refuse("it names a stream (a colon after the drive)", out refusal);
            }
            return trimmed;
        }

        /// <summary>
        /// The command for one chunk of users: per user i, load NTUSER.DAT, mark
        /// Loaded, copy Uninstall and Policies, unload; load UsrClass.dat, mark ClassesLoaded, copy the package repository,
        /// unload. A failed load skips only its marker (<c>&amp;&amp;</c>); everything else runs (<c>&amp;</c>), so every hive
        /// that was loaded is unloaded whatever a copy returned.
        /// </summary>
        public static CommandChain SnapshotCommand(string runId, IReadOnlyList<SignedOutProfile> users)
        {
            if (!RunKeyName.IsRunKeyName(runId)) throw new ArgumentException("A run id is 32 lowercase hex digits.", nameof(runId));
            if (users == null || users.Count == 0) throw new ArgumentException("At least one user is needed.", nameof(users));
            var chain = new CommandChain();
            for (var i = 0; i < users.Count; i++) chain.Then(UserCommands(runId, i, users[i]));
            return chain;
        }

        private static CommandChain UserCommands(string runId, int index, SignedOutProfile user)
        {
            var k = InventoryPaths.UsersPrefix + "\\" + LoadName(runId, index);
            var kc = k + "_C";
            var d = InventoryPaths.LocalMachinePrefix + "\\" + UserCopyKey(runId, user.Sid);
            return new CommandChain()
                .Then("reg.exe load " + Quote(k) + " " + Quote(user.ProfilePath + @"\NTUSER.DAT"))
                .ThenIfSucceeded("reg.exe add " + Quote(d) + " /v " + LoadedValue + " /t REG_DWORD /d 1 /f")
                .Then("reg.exe copy " + Quote(k + "\\" + InventoryPaths.UserUninstallKey) + " " + Quote(d + "\\" + UninstallCopy) + " /s /f")
                .Then("reg.exe copy " + Quote(k + "\\" + UserPoliciesKey) + " " + Quote(d + "\\" + PoliciesCopy) + " /s /f")
                .Then("reg.exe unload " + Quote(k))
                .Then("reg.exe load " + Quote(kc) + " " + Quote(user.ProfilePath + @"\AppData\Local\Microsoft\Windows\UsrClass.dat"))
                .ThenIfSucceeded("reg.exe add " + Quote(d) + " /v " + ClassesLoadedValue + " /t REG_DWORD /d 1 /f")
                .Then("reg.exe copy " + Quote(kc + "\\" + InventoryPaths.UserPackageRepositoryKey) + " " + Quote(d + "\\" + PackagesCopy) + " /s /f")
                .Then("reg.exe unload " + Quote(kc));
        }

        /// <summary>
        /// Splits the users into chunks whose command line (the exit-code wrapper included) stays under
        /// <see cref="MaxCommandLineLength"/>, in order. A run id's length is fixed, so the split holds for whichever id
        /// each chunk gets when it starts.
        /// </summary>
        public static IReadOnlyList<IReadOnlyList<SignedOutProfile>> Chunk(IReadOnlyList<SignedOutProfile> users)
        {
            var sample = new string('0', 32);
            var chunks = new List<IReadOnlyList<SignedOutProfile>>();
            var current = new List<SignedOutProfile>();
            foreach (var user in users ?? Array.Empty<SignedOutProfile>())
            {
                current.Add(user);
                if (CommandLineLength(sample, current) < MaxCommandLineLength) continue;
                current.RemoveAt(current.Count - 1);
                if (current.Count == 0) throw new ArgumentException("The profile path of " + user.Sid + " is too long for one command.", nameof(users));
                chunks.Add(current);
                current = new List<SignedOutProfile> { user };
            }
            if (current.Count > 0) chunks.Add(current);
            return chunks;
        }

        /// <summary>The length of the command line Win32_Process.Create gets for these users: the chain inside the wrapper.</summary>
        public static int CommandLineLength(string runId, IReadOnlyList<SignedOutProfile> users) =>
            ProcessClient.WrapForExitCode(SnapshotCommand(runId, users), runId).Length;

        private static bool IsSystemVariable(string name) =>
            string.Equals(name, "SystemRoot", StringComparison.OrdinalIgnoreCase) || string.Equals(name, "SystemDrive", StringComparison.OrdinalIgnoreCase);

        private static bool HasControl(string text) => text.Any(c => c < ' ' || c == '\u007f');

        private static string Quote(string text) => "\"" + text + "\"";

        private static string Refuse(string why, out string refusal)
        {
            refusal = why;
            return null;
        }
    }
}
