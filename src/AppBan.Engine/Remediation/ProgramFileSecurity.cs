using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using AppBan.Engine.Cim;

namespace AppBan.Engine.Remediation
{
    /// <summary>
    /// Whether anyone but administrators can change a program before AppBan runs it elevated: reads the security
    /// descriptor of the program, of each folder between it and its root (ProgramData), and of the root, through
    /// Win32_LogicalFileSecuritySetting.GetSecurityDescriptor, and refuses when a principal other than SYSTEM,
    /// Administrators or TrustedInstaller may write, create, delete, rename or re-permission any of them. A
    /// descriptor that cannot be read is a refusal too (fail closed).
    /// </summary>
    /// <summary>What a checked path is: the machine folder the program lies under, a folder below it, or the program.</summary>
    internal enum FileObjectKind { Root, Folder, Program }

    internal static class ProgramFileSecurity
    {
        public const string SecuritySettingClass = "Win32_LogicalFileSecuritySetting";
        public const string GetSecurityDescriptorMethod = "GetSecurityDescriptor";
        private const string Cimv2 = @"root\cimv2";

        public const string SystemSid = "S-1-5-18";
        public const string AdministratorsSid = "S-1-5-32-544";
        public const string TrustedInstallerSid = "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464";
        public const string CreatorOwnerSid = "S-1-3-0";

        // [doc Win32_ACE] AccessMask bits.
        public const uint WriteData = 0x2;          // FILE_WRITE_DATA / FILE_ADD_FILE
        public const uint AppendData = 0x4;         // FILE_APPEND_DATA / FILE_ADD_SUBDIRECTORY
        public const uint DeleteChild = 0x40;       // FILE_DELETE_CHILD
        public const uint Delete = 0x10000;         // DELETE
        public const uint WriteDac = 0x40000;       // WRITE_DAC
        public const uint WriteOwner = 0x80000;     // WRITE_OWNER
        public const uint GenericAll = 0x10000000;  // GENERIC_ALL
        public const uint GenericWrite = 0x40000000; // GENERIC_WRITE

        // [doc Win32_ACE] AceType 1 is "access denied"; AceFlags 0x8 INHERIT_ONLY_ACE. [doc Win32_SecurityDescriptor]
        // ControlFlags 0x4 SE_DACL_PRESENT.
        private const uint AceTypeDenied = 1;
        private const uint InheritOnly = 0x8;
        private const uint DaclPresent = 0x4;

        private const uint FileChangeRights = WriteData | AppendData | Delete | WriteDac | WriteOwner | GenericAll | GenericWrite;
        private const uint FolderChangeRights = FileChangeRights | DeleteChild;
        // On the root, creating files and folders is allowed (ProgramData lets users do it by default): a new sibling
        // changes nothing in the app's folder, whose own descriptor is checked. Deleting or renaming what is in the root,
        // the root itself, or re-permissioning it would let a user replace the app's folder.
        private const uint RootChangeRights = DeleteChild | Delete | WriteDac | WriteOwner | GenericAll;

        private static readonly HashSet<string> Trusted = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            SystemSid, AdministratorsSid, TrustedInstallerSid,
        };

        /// <summary>
        /// The root (ProgramData), the folders between it and the program, then the program. The root is judged by
        /// <see cref="RootChangeRights"/>: its default ACL lets users create folders in it, which endangers nothing already there.
        /// </summary>
        public static IReadOnlyList<(string Path, FileObjectKind Kind)> ObjectsToCheck(string programPath, TargetEnvironment environment)
        {
            if (environment == null) throw new ArgumentNullException(nameof(environment));
            var root = environment.AllowedRoots.Where(r => ExecutablePolicy.IsUnder(programPath, r)).OrderByDescending(r => r.Length).FirstOrDefault()
                       ?? throw new ArgumentException("The program is under none of the target's machine folders.", nameof(programPath));
            var list = new List<(string, FileObjectKind)> { (root.TrimEnd('\\'), FileObjectKind.Root) };
            var segments = programPath.Substring(root.TrimEnd('\\').Length + 1).Split('\\');
            var current = root.TrimEnd('\\');
            for (var i = 0; i < segments.Length - 1; i++)
            {
                current += "\\" + segments[i];
                list.Add((current, FileObjectKind.Folder));
            }
            list.Add((programPath, FileObjectKind.Program));
            return list;
        }

        /// <summary>Null when only administrators can change the program and its folders; otherwise why it is refused.</summary>
        public static async Task<string> CheckAsync(ICimSession session, string programPath, TargetEnvironment environment, CimCallOptions options)
        {
            if (session == null) throw new ArgumentNullException(nameof(session));
            if (!(session is ICimInstanceMethods instances))
                return "the security of " + programPath + " cannot be read over this connection (no instance methods), so it is not run";
            foreach (var (path, kind) in ObjectsToCheck(programPath, environment))
            {
                CimMethodResult result;
                try
                {
                    result = await instances.InvokeInstanceMethodAsync(Cimv2, SecuritySettingClass,
                        new Dictionary<string, string> { ["Path"] = path }, GetSecurityDescriptorMethod, Array.Empty<CimParameter>(), options).ConfigureAwait(false);
                }
                catch (CimException ex) when (!IsTransportFailure(ex.Kind))
                {
                    return "the security of " + path + " could not be read (" + ex.Kind + ": " + ex.Message + "), so " + programPath + " is not run";
                }
                if (result.ReturnValue != 0)
                    return "the security of " + path + " could not be read (GetSecurityDescriptor returned " +
                           result.ReturnValue.ToString(CultureInfo.InvariantCulture) + "), so " + programPath + " is not run";
                result.OutParameters.TryGetValue("Descriptor", out var descriptor);
                var why = Judge(descriptor?.AsInstance(), path, kind);
                if (why != null) return why;
            }
            return null;
        }

        /// <summary>Null when only trusted principals can change the object; otherwise the reason, naming the principal.</summary>
        public static string Judge(CimObject descriptor, string path, FileObjectKind kind)
        {
            var isFolder = kind != FileObjectKind.Program;
            var what = (isFolder ? "the folder " : "the program ") + path;
            if (descriptor == null) return "the security descriptor of " + what + " could not be read";
            var owner = Sid(descriptor["Owner"].AsInstance());
            if (owner == null) return "the security descriptor of " + what + " names no owner";
            // An owner may always rewrite the DACL.
            if (!Trusted.Contains(owner)) return what + " is owned by " + owner + ", who can change its permissions";
            // [doc: Null DACLs and Empty DACLs] no DACL (SE_DACL_PRESENT clear) or a NULL DACL grants everyone full access;
            // only a present DACL with no entries grants nobody. A reply without the DACL, or with DACL null, cannot be told
            // from a NULL DACL, so it refuses (fail closed); the flags are checked when the reply carries them.
            if (descriptor.Properties.TryGetValue("ControlFlags", out var controlValue) && !controlValue.IsNull)
            {
                var control = ReadUInt32(controlValue);
                if (control == null) return "the security descriptor of " + what + " has control flags that could not be read";
                if ((control.Value & DaclPresent) == 0) return what + " has no DACL (SE_DACL_PRESENT is clear), so everyone has full access";
            }
            if (!descriptor.Properties.TryGetValue("DACL", out var dacl))
                return "the security descriptor of " + what + " carries no DACL, which cannot be told from a NULL DACL (everyone has full access)";
            if (dacl.IsNull)
                return "the security descriptor of " + what + " has a null DACL, which grants everyone full access";
            var rights = kind == FileObjectKind.Root ? RootChangeRights : isFolder ? FolderChangeRights : FileChangeRights;
            foreach (var ace in dacl.AsArray(v => v.AsInstance()))
            {
                if (ace == null) return "the DACL of " + what + " holds an entry that could not be read";
                var flags = ReadUInt32(ace["AceFlags"]);
                var type = ReadUInt32(ace["AceType"]);
                var mask = ReadUInt32(ace["AccessMask"]);
                if (flags == null || type == null || mask == null) return "the DACL of " + what + " holds an entry that could not be read";
                // An inherit-only entry does not apply to the object itself; a deny entry never grants (ignoring it can
                // only refuse more, never less).
                if ((flags.Value & InheritOnly) != 0 || type.Value == AceTypeDenied) continue;
                if ((mask.Value & rights) == 0) continue;
                var sid = Sid(ace["Trustee"].AsInstance());
                if (sid == null) return "the DACL of " + what + " grants write access to a principal without a SID";
                if (Trusted.Contains(sid)) continue;
                return sid + " can " + Describe(mask.Value & rights, isFolder) + " " + what + " (access mask 0x" +
                       mask.Value.ToString("X8", CultureInfo.InvariantCulture) + "), so a standard user could replace what runs elevated";
            }
            return null;
        }

        private static bool IsTransportFailure(CimErrorKind kind) =>
            kind == CimErrorKind.Unreachable || kind == CimErrorKind.AuthenticationFailed || kind == CimErrorKind.Timeout ||
            kind == CimErrorKind.Cancelled || kind == CimErrorKind.TlsFailure || kind == CimErrorKind.EncryptionRequired;

        private static string Sid(CimObject trustee)
        {
            var sid = trustee?["SIDString"].AsString();
            return string.IsNullOrWhiteSpace(sid) ? null : sid.Trim();
        }

        private static uint? ReadUInt32(CimValue value)
        {
            try { return value.AsUInt32(); }
            catch (FormatException) { return null; }
            catch (InvalidCastException) { return null; }
            catch (OverflowException) { return null; }
        }

        private static string Describe(uint bits, bool isFolder)
        {
            var words = new List<string>();
            if ((bits & (GenericAll | GenericWrite | WriteData | AppendData)) != 0) words.Add(isFolder ? "create files and folders in" : "write");
            if ((bits & Delete) != 0) words.Add("delete or rename");
            if ((bits & DeleteChild) != 0) words.Add("delete or rename what is in");
            if ((bits & (WriteDac | WriteOwner)) != 0) words.Add("change the permissions of");
            return string.Join(", ", words.Distinct());
        }
    }
}
