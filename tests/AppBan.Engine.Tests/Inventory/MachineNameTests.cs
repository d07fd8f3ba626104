using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Findings;
using AppBan.Engine.Inventory;
using AppBan.Engine.Remediation;
using AppBan.Engine.Tests.Fakes;
using Xunit;

namespace AppBan.Engine.Tests.Inventory
{
    /// <summary>The name a target gives itself: one registry read per scan, beside the first reads, never a reason to fail.</summary>
    public class MachineNameTests
    {
        private const string ActiveComputerName = @"HKLM\SYSTEM\CurrentControlSet\Control\ComputerName\ActiveComputerName";
        private const string TheRead = "GetStringValue " + ActiveComputerName + " :ComputerName";

        private static Task<InventoryResult> Read(FakeWindowsHost session) =>
            new InventoryReader(new RegistryClient(session)) { ReadSignedOutProfiles = false }.ReadAsync(InventoryReaderTests.MightBeBanned, CancellationToken.None);

        private static FakeWindowsHost LaptopNamed(string machineName)
        {
            var session = InventoryReaderTests.Laptop();
            session.Key(ActiveComputerName).String("ComputerName", machineName);
            return session;
        }

        [Fact]
        public async Task A_scan_reads_the_machine_name_with_exactly_one_registry_read()
        {
            using var session = LaptopNamed("LAPTOP-01");
            var result = await Read(session);

            Assert.Equal("LAPTOP-01", result.MachineName);
            Assert.Equal("laptop-01", result.ComputerName);
            Assert.Single(session.Log, l => l.Contains(@"\ComputerName\"));
            Assert.Single(session.Log, TheRead);
            Assert.Equal(session.TotalOperations, result.OperationCount);
            Assert.False(result.IsPartial);
            Assert.DoesNotContain(result.Warnings, w => w.Contains("own name"));
        }

        [Fact]
        public async Task The_read_is_in_flight_while_the_other_first_reads_start()
        {
            // The machine name's reply waits until ProfileList is being listed. A read made before the others (or after
            // them) never sees that happen, and the rendezvous below fails instead of the scan hanging.
            using var session = LaptopNamed("LAPTOP-01");
            using var profileListStarted = new ManualResetEventSlim();
            var sawOthersStart = false;
            session.ThrowFor = call =>
            {
                if (call.Method == "EnumKey" && call.KeyPath == @"HKLM\" + InventoryPaths.ProfileListKey) profileListStarted.Set();
                if (call.KeyPath == ActiveComputerName) sawOthersStart = profileListStarted.Wait(TimeSpan.FromSeconds(10));
                return null;
            };

            var result = await Read(session);

            Assert.True(sawOthersStart, "the machine name was read before or after the scan's first reads, not beside them");
            Assert.Equal("LAPTOP-01", result.MachineName);
            // First among the operations started: it begins the scan.
            Assert.Equal(TheRead, session.Log[0]);
        }

        [Fact]
        public async Task A_missing_key_or_value_leaves_the_name_null_and_the_scan_whole()
        {
            using var noKey = InventoryReaderTests.Laptop();
            using var noValue = InventoryReaderTests.Laptop();
            noValue.Key(ActiveComputerName).String("Other", "x");

            foreach (var session in new[] { noKey, noValue })
            {
                var result = await Read(session);
                Assert.Null(result.MachineName);
                Assert.False(result.IsPartial);
                Assert.DoesNotContain(result.Warnings, w => w.Contains("own name"));
                Assert.Single(session.Log, TheRead);
            }
        }

        [Fact]
        public async Task A_denied_read_leaves_the_name_null_with_a_warning_and_the_scan_not_partial()
        {
            using var session = LaptopNamed("LAPTOP-01");
            session.Deny(ActiveComputerName);
            var result = await Read(session);

            Assert.Null(result.MachineName);
            Assert.False(result.IsPartial);
            Assert.Contains(result.Warnings, w => w.Contains("own name") && w.Contains("access denied") && w.Contains("laptop-01"));
            Assert.Contains(result.Apps, a => a.KeyName == "CapCut");
        }

        [Theory]
        [InlineData("LAPTOP 01")]
        [InlineData("<script>alert(1)</script>")]
        [InlineData("=HYPERLINK(\"x\")")]
        [InlineData("..\\..\\evil")]
        [InlineData("")]
        [InlineData(".LAPTOP")]
        [InlineData("LAPTOP.")]
        [InlineData("ÉCOLE-01")]
        [InlineData("LAPTOP-01\u0000")]
        [InlineData("LAPTOP-01\r\nInjected: line")]
        public async Task A_hostile_value_is_ignored_with_a_warning(string value)
        {
            using var session = LaptopNamed(value);
            var result = await Read(session);

            Assert.Null(result.MachineName);
            Assert.False(result.IsPartial);
            var warning = Assert.Single(result.Warnings, w => w.Contains("own name"));
            Assert.Contains("laptop-01", warning);
            Assert.DoesNotContain("\n", warning);
            Assert.DoesNotContain("\r", warning);
        }

        [Fact]
        public async Task A_very_long_value_is_ignored_and_quoted_only_in_part()
        {
            using var session = LaptopNamed(new string('A', 5000));
            var result = await Read(session);

            Assert.Null(result.MachineName);
            var warning = Assert.Single(result.Warnings, w => w.Contains("own name"));
            Assert.Contains("5000 characters long", warning);
            Assert.True(warning.Length < 400, warning);
        }

        [Fact]
        public async Task A_value_of_another_type_is_ignored_after_one_read()
        {
            using var session = InventoryReaderTests.Laptop();
            session.Key(ActiveComputerName).Expand("ComputerName", "%COMPUTERNAME%");
            var result = await Read(session);

            Assert.Null(result.MachineName);
            Assert.False(result.IsPartial);
            Assert.Contains(result.Warnings, w => w.Contains("own name") && w.Contains("REG_SZ"));
            Assert.Single(session.Log, l => l.Contains(@"\ActiveComputerName"));
        }

        [Fact]
        public async Task A_provider_fault_on_that_read_is_a_warning_not_a_failed_scan()
        {
            using var session = LaptopNamed("LAPTOP-01");
            session.ThrowFor = call => call.KeyPath == ActiveComputerName
                ? new CimException(CimErrorKind.ProviderFailure, "laptop-01", "laptop-01: Generic failure.", 0x80041001)
                : null;
            var result = await Read(session);

            Assert.Null(result.MachineName);
            Assert.False(result.IsPartial);
            Assert.Contains(result.Warnings, w => w.Contains("own name") && w.Contains("Generic failure"));
            Assert.Contains(result.Apps, a => a.KeyName == "CapCut");
        }

        [Fact]
        public async Task A_transport_failure_on_that_read_fails_the_target_as_any_read_does()
        {
            using var session = LaptopNamed("LAPTOP-01");
            session.ThrowFor = call => call.KeyPath == ActiveComputerName
                ? new CimException(CimErrorKind.Timeout, "laptop-01", "The operation timed out on laptop-01.")
                : null;
            var error = await Assert.ThrowsAsync<CimException>(() => Read(session));
            Assert.Equal(CimErrorKind.Timeout, error.Kind);
        }

        [Fact]
        public async Task A_scan_carries_the_name_on_its_result_and_every_finding_and_removal_result()
        {
            using var session = LaptopNamed("LAPTOP-01");
            var scanner = new TargetScanner(InventoryReaderTests.MightBeBanned,
                (apps, _) => apps.Select(a => new Finding { RuleId = "bytedance", App = a, Status = FindingStatus.Violation }).ToList());
            var result = await scanner.ScanAsync(session, CancellationToken.None);

            Assert.Equal(("laptop-01", "LAPTOP-01"), (result.ComputerName, result.MachineName));
            Assert.NotEmpty(result.Findings);
            Assert.All(result.Findings, f => Assert.Equal("LAPTOP-01", f.MachineName));
            Assert.Equal("LAPTOP-01", RemovalExecutor.NewResult(result.Findings[0]).MachineName);
        }

        [Fact]
        public async Task An_unreachable_target_has_no_machine_name()
        {
            using var session = LaptopNamed("LAPTOP-01");
            session.FailOn = ("HKLM", new CimException(CimErrorKind.Unreachable, "laptop-01", "No route to laptop-01."));
            var scanner = new TargetScanner(InventoryReaderTests.MightBeBanned, (apps, _) => Array.Empty<Finding>());
            var result = await scanner.ScanAsync(session, CancellationToken.None);

            Assert.Equal(ComplianceStatus.Unreachable, result.Status);
            Assert.Null(result.MachineName);
        }

        [Theory]
        [InlineData("LAPTOP-01", true)]
        [InlineData("pc_7.lab", true)]
        [InlineData("A", true)]
        [InlineData("x123456789012345678901234567890123456789012345678901234567890ab", true)]  // 63
        [InlineData("x123456789012345678901234567890123456789012345678901234567890abc", false)] // 64
        [InlineData(null, false)]
        [InlineData("a b", false)]
        [InlineData("a/b", false)]
        [InlineData("a:b", false)]
        [InlineData(".", false)]
        public void Which_names_are_carried(string name, bool valid)
        {
            Assert.Equal(valid, MachineNames.IsValid(name));
            Assert.Equal(valid, MachineNames.TryValidate(name, out var reason));
            Assert.Equal(valid, reason == null);
        }
    }
}
