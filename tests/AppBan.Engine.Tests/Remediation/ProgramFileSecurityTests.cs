using System.Collections.Generic;
using System.Linq;
using AppBan.Engine.Cim;
using AppBan.Engine.Remediation;
using Xunit;

namespace AppBan.Engine.Tests.Remediation
{
    public class ProgramFileSecurityTests
    {
        private const string User = "S-1-5-21-1-2-3-1001";
        private const string Users = "S-1-5-32-545";

        private static CimObject Trustee(string sid) => new CimObject("Win32_Trustee", new Dictionary<string, CimValue> { ["SIDString"] = CimValue.FromString(sid) });

        private static CimObject Ace(string sid, uint mask, uint type = 0, uint flags = 0) => new CimObject("Win32_ACE", new Dictionary<string, CimValue>
        {
            ["AccessMask"] = CimValue.FromUInt32(mask), ["AceType"] = CimValue.FromUInt32(type), ["AceFlags"] = CimValue.FromUInt32(flags),
            ["Trustee"] = new CimValue(CimType.Instance, false, Trustee(sid)),
        });

        private static CimObject Descriptor(string owner, uint control, params CimObject[] aces) => new CimObject("Win32_SecurityDescriptor", new Dictionary<string, CimValue>
        {
            ["Owner"] = new CimValue(CimType.Instance, false, Trustee(owner)),
            ["ControlFlags"] = CimValue.FromUInt32(control),
            ["DACL"] = new CimValue(CimType.Instance, true, aces.Cast<object>().ToList()),
        });

        private static CimObject WithoutDacl(string owner, uint? control, bool nullDacl)
        {
            var properties = new Dictionary<string, CimValue> { ["Owner"] = new CimValue(CimType.Instance, false, Trustee(owner)) };
            if (control != null) properties["ControlFlags"] = CimValue.FromUInt32(control.Value);
            if (nullDacl) properties["DACL"] = CimValue.Null;
            return new CimObject("Win32_SecurityDescriptor", properties);
        }

        // [3rd] ProgramData's default DACL, as the simulator models it: users may create files and folders in it (CI).
        private static readonly CimObject[] ProgramDataDefault =
        {
            Ace(ProgramFileSecurity.SystemSid, 0x1F01FF, 0, 0x3), Ace(ProgramFileSecurity.AdministratorsSid, 0x1F01FF, 0, 0x3),
            Ace(ProgramFileSecurity.CreatorOwnerSid, 0x10000000, 0, 0xB), Ace(Users, 0x1200A9, 0, 0x3), Ace(Users, 0x116, 0, 0x2),
        };

        private static readonly CimObject[] AdminsOnly =
        {
            Ace(ProgramFileSecurity.SystemSid, 0x1F01FF), Ace(ProgramFileSecurity.AdministratorsSid, 0x1F01FF),
            Ace(ProgramFileSecurity.TrustedInstallerSid, 0x1F01FF), Ace(Users, 0x1200A9),
        };

        [Fact]
        public void Administrators_SYSTEM_and_TrustedInstaller_may_write_users_may_read() =>
            Assert.Null(ProgramFileSecurity.Judge(Descriptor(ProgramFileSecurity.AdministratorsSid, 0x8004, AdminsOnly), @"C:\ProgramData\X", FileObjectKind.Folder));

        [Theory]
        [InlineData(0x2u, true)]            // ADD_FILE
        [InlineData(0x4u, true)]            // ADD_SUBDIRECTORY
        [InlineData(0x40u, true)]           // FILE_DELETE_CHILD on a folder
        [InlineData(0x10000u, false)]       // DELETE on the file
        [InlineData(0x40000u, false)]       // WRITE_DAC
        [InlineData(0x80000u, false)]       // WRITE_OWNER
        [InlineData(0x40000000u, false)]    // GENERIC_WRITE
        [InlineData(0x10000000u, true)]     // GENERIC_ALL
        [InlineData(0x116u, true)]          // ProgramData's default Users grant
        public void A_standard_principal_that_can_change_the_object_refuses_it(uint mask, bool isFolder)
        {
            var why = ProgramFileSecurity.Judge(Descriptor(ProgramFileSecurity.AdministratorsSid, 0x8004, AdminsOnly.Append(Ace(Users, mask)).ToArray()), @"C:\ProgramData\X\a.exe", isFolder ? FileObjectKind.Folder : FileObjectKind.Program);
            Assert.NotNull(why);
            Assert.Contains(Users, why);
        }

        [Fact]
        public void Delete_child_matters_only_on_a_folder() =>
            Assert.Null(ProgramFileSecurity.Judge(Descriptor(ProgramFileSecurity.AdministratorsSid, 0x8004, AdminsOnly.Append(Ace(Users, 0x40)).ToArray()), @"C:\ProgramData\X\a.exe", FileObjectKind.Program));

        [Fact]
        public void Inherit_only_entries_do_not_apply_to_the_object_and_CREATOR_OWNER_is_fine_only_so()
        {
            var inheritOnly = Descriptor(ProgramFileSecurity.AdministratorsSid, 0x8004, AdminsOnly.Append(Ace(ProgramFileSecurity.CreatorOwnerSid, 0x10000000, 0, 0xB)).ToArray());
            Assert.Null(ProgramFileSecurity.Judge(inheritOnly, @"C:\ProgramData\X", FileObjectKind.Folder));
            var effective = Descriptor(ProgramFileSecurity.AdministratorsSid, 0x8004, AdminsOnly.Append(Ace(ProgramFileSecurity.CreatorOwnerSid, 0x1F01FF)).ToArray());
            Assert.NotNull(ProgramFileSecurity.Judge(effective, @"C:\ProgramData\X", FileObjectKind.Folder));
        }

        [Fact]
        public void A_deny_entry_never_excuses_a_grant()
        {
            var d = Descriptor(ProgramFileSecurity.AdministratorsSid, 0x8004, AdminsOnly.Prepend(Ace(User, 0x1F01FF, 1)).Append(Ace(User, 0x2)).ToArray());
            Assert.Contains(User, ProgramFileSecurity.Judge(d, @"C:\ProgramData\X", FileObjectKind.Folder));
            Assert.Null(ProgramFileSecurity.Judge(Descriptor(ProgramFileSecurity.AdministratorsSid, 0x8004, AdminsOnly.Append(Ace(User, 0x1F01FF, 1)).ToArray()), @"C:\ProgramData\X", FileObjectKind.Folder));
        }

        [Fact]
        public void A_user_owner_a_missing_DACL_or_an_unreadable_descriptor_refuses()
        {
            Assert.Contains("owned by " + User, ProgramFileSecurity.Judge(Descriptor(User, 0x8004, AdminsOnly), @"C:\ProgramData\X", FileObjectKind.Folder));
            Assert.Contains("no DACL", ProgramFileSecurity.Judge(Descriptor(ProgramFileSecurity.AdministratorsSid, 0x8000), @"C:\ProgramData\X", FileObjectKind.Folder));
            Assert.Contains("could not be read", ProgramFileSecurity.Judge(null, @"C:\ProgramData\X", FileObjectKind.Folder));
        }

        [Fact]
        public void A_null_DACL_or_a_reply_without_one_refuses_and_only_a_present_empty_DACL_grants_nobody()
        {
            const string folder = @"C:\ProgramData\X";
            Assert.Contains("null DACL", ProgramFileSecurity.Judge(WithoutDacl(ProgramFileSecurity.AdministratorsSid, 0x8004, nullDacl: true), folder, FileObjectKind.Folder));
            Assert.Contains("carries no DACL", ProgramFileSecurity.Judge(WithoutDacl(ProgramFileSecurity.AdministratorsSid, 0x8004, nullDacl: false), folder, FileObjectKind.Folder));
            Assert.Contains("carries no DACL", ProgramFileSecurity.Judge(WithoutDacl(ProgramFileSecurity.AdministratorsSid, null, nullDacl: false), folder, FileObjectKind.Folder));
            Assert.Contains("SE_DACL_PRESENT is clear", ProgramFileSecurity.Judge(Descriptor(ProgramFileSecurity.AdministratorsSid, 0x8000, AdminsOnly), folder, FileObjectKind.Folder));
            Assert.Null(ProgramFileSecurity.Judge(Descriptor(ProgramFileSecurity.AdministratorsSid, 0x8004), folder, FileObjectKind.Folder));
        }

        [Fact]
        public void The_root_may_let_users_create_folders_but_not_delete_rename_or_repermission_what_is_in_it()
        {
            const string root = @"C:\ProgramData";
            Assert.Null(ProgramFileSecurity.Judge(Descriptor(ProgramFileSecurity.SystemSid, 0x8404, ProgramDataDefault), root, FileObjectKind.Root));
            // The same grant on a folder between the root and the program refuses.
            Assert.Contains(Users + " can create files and folders in", ProgramFileSecurity.Judge(Descriptor(ProgramFileSecurity.SystemSid, 0x8404, ProgramDataDefault), root, FileObjectKind.Folder));
            Assert.Contains(Users + " can delete or rename what is in the folder " + root,
                ProgramFileSecurity.Judge(Descriptor(ProgramFileSecurity.SystemSid, 0x8404, ProgramDataDefault.Append(Ace(Users, 0x40)).ToArray()), root, FileObjectKind.Root));
            Assert.Contains("change the permissions of", ProgramFileSecurity.Judge(Descriptor(ProgramFileSecurity.SystemSid, 0x8404, ProgramDataDefault.Append(Ace(Users, 0x40000)).ToArray()), root, FileObjectKind.Root));
            Assert.Contains("delete or rename the folder", ProgramFileSecurity.Judge(Descriptor(ProgramFileSecurity.SystemSid, 0x8404, ProgramDataDefault.Append(Ace(Users, 0x10000)).ToArray()), root, FileObjectKind.Root));
            Assert.Contains("owned by " + User, ProgramFileSecurity.Judge(Descriptor(User, 0x8404, ProgramDataDefault), root, FileObjectKind.Root));
        }

        [Fact]
        public void Checks_the_root_every_folder_below_it_then_the_program()
        {
            var objects = ProgramFileSecurity.ObjectsToCheck(@"C:\ProgramData\Package Cache\{G}\x.exe", TargetEnvironment.WindowsDefaults);
            Assert.Equal(new[]
            {
                (@"C:\ProgramData", FileObjectKind.Root), (@"C:\ProgramData\Package Cache", FileObjectKind.Folder),
                (@"C:\ProgramData\Package Cache\{G}", FileObjectKind.Folder), (@"C:\ProgramData\Package Cache\{G}\x.exe", FileObjectKind.Program),
            }, objects);
        }
    }
}
