using System;
using System.Collections.Generic;
using System.Linq;
using AppBan.Engine.Cim;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Inventory;

namespace AppBan.Engine.Findings
{
    /// <summary>One target's compliance, as Test-AppBanCompliance reports it. See <see cref="ComplianceRules.StatusOf"/>.</summary>
    public enum ComplianceStatus { Compliant, NonCompliant, Exempt, GracePeriod, Partial, Unreachable, Failed, Scheduled }

    /// <summary>
    /// How a target's status is decided. First match wins:
    /// <list type="number">
    /// <item>Unreachable: the scan failed with <see cref="CimErrorKind.Unreachable"/> (refused, name not resolved, no route).</item>
    /// <item>Failed: the scan failed with any other error (authentication, access denied, timeout, provider error, device
    ///   exemptions unreadable...). No finding is reported: without the whole picture none can be trusted.</item>
    /// <item>NonCompliant: at least one Violation was found, even when the scan was partial (a found violation is a fact).</item>
    /// <item>Partial: part of the scan could not be read (a denied hive or key); the findings found are returned, but the
    ///   absence of violations cannot be claimed. Users whose hive is simply not loaded do not make a scan partial: they
    ///   are listed in UsersNotScanned.</item>
    /// <item>Scheduled: no Violation, at least one Scheduled finding: a removal waits for its user (a sign-in task, or browser
    ///   policy the browser applies when it next starts). The app is still installed, so this is not compliant.</item>
    /// <item>GracePeriod: no Violation, at least one GracePeriod finding (the phase-out date has not passed).</item>
    /// <item>Exempt: every finding is covered by an active exemption.</item>
    /// <item>Compliant: no finding at all.</item>
    /// </list>
    /// </summary>
    public static class ComplianceRules
    {
        public static ComplianceStatus StatusOf(CimException error, bool partial, IEnumerable<Finding> findings)
        {
            if (error != null) return error.Kind == CimErrorKind.Unreachable ? ComplianceStatus.Unreachable : ComplianceStatus.Failed;
            var list = (findings ?? Enumerable.Empty<Finding>()).ToList();
            if (list.Any(f => f.Status == FindingStatus.Violation)) return ComplianceStatus.NonCompliant;
            if (partial) return ComplianceStatus.Partial;
            if (list.Any(f => f.Status == FindingStatus.Scheduled)) return ComplianceStatus.Scheduled;
            if (list.Any(f => f.Status == FindingStatus.GracePeriod)) return ComplianceStatus.GracePeriod;
            if (list.Count > 0) return ComplianceStatus.Exempt;
            return ComplianceStatus.Compliant;
        }

        /// <summary>
        /// The single yes/no a configuration-management discovery script needs: true for Compliant and Exempt (nothing
        /// the policy wants removed is present), false for everything else, including GracePeriod (the app is still
        /// there and must go by the deadline, so the console should show it) and every scan that did not complete.
        /// </summary>
        public static bool IsCompliant(ComplianceStatus status) =>
            status == ComplianceStatus.Compliant || status == ComplianceStatus.Exempt;
    }

    /// <summary>Everything one target's scan produced.</summary>
    public sealed class TargetScanResult
    {
        public string ComputerName { get; set; }
        /// <summary>The name the target gives itself (<see cref="InventoryResult.MachineName"/>); null when the scan failed or it was not read.</summary>
        public string MachineName { get; set; }
        public ComplianceStatus Status { get; set; }
        /// <summary>Every finding, exempt ones included. Empty when the scan failed.</summary>
        public IReadOnlyList<Finding> Findings { get; set; } = Array.Empty<Finding>();
        public IReadOnlyList<UserNotScanned> UsersNotScanned { get; set; } = Array.Empty<UserNotScanned>();
        public IReadOnlyList<string> Warnings { get; set; } = Array.Empty<string>();
        public int ViolationCount { get; set; }
        public int ExemptCount { get; set; }
        public int GracePeriodCount { get; set; }
        /// <summary>Findings whose removal waits for their user (see <see cref="FindingStatus.Scheduled"/>).</summary>
        public int ScheduledCount { get; set; }
        /// <summary>Why the scan failed; null when it completed (possibly partially).</summary>
        public CimException Error { get; set; }
        /// <summary>Null when the scan failed.</summary>
        public InventoryResult Inventory { get; set; }
        /// <summary>The exemptions the target's own store holds, as the scan read them; empty when the scan failed.</summary>
        public IReadOnlyList<Exemption> DeviceExemptions { get; set; } = Array.Empty<Exemption>();
        public TimeSpan Duration { get; set; }
        /// <summary>
        /// AppBan's scheduled removals whose app this scan no longer finds for a user it did read: done, for a removal run to
        /// confirm (and delete their tasks and records). Never a reason to change anything by itself.
        /// </summary>
        internal IReadOnlyList<Scheduling.ScheduledWorkRecord> CompletedWork { get; set; } = Array.Empty<Scheduling.ScheduledWorkRecord>();
        /// <summary>Every record of AppBan's scheduled work the scan read (expired ones included).</summary>
        internal IReadOnlyList<Scheduling.ScheduledWorkRecord> ScheduledWork { get; set; } = Array.Empty<Scheduling.ScheduledWorkRecord>();

        /// <summary>The warning that names the users whose per-user apps were not scanned; null when there are none.</summary>
        public string UsersNotScannedWarning() =>
            UsersNotScanned.Count == 0 ? null
                : "Per-user apps of " + UsersNotScanned.Count + " user(s) were not scanned: " + string.Join("; ", UsersNotScanned.Select(u => u.ToString())) + ".";

        internal static TargetScanResult Completed(string computerName, InventoryResult inventory, IReadOnlyList<Finding> findings,
            IReadOnlyList<Exemption> deviceExemptions, IReadOnlyList<string> warnings, TimeSpan duration)
        {
            return new TargetScanResult
            {
                ComputerName = computerName,
                MachineName = inventory.MachineName,
                Status = ComplianceRules.StatusOf(null, inventory.IsPartial, findings),
                Findings = findings,
                UsersNotScanned = inventory.UsersNotScanned,
                Warnings = warnings,
                ViolationCount = findings.Count(f => f.Status == FindingStatus.Violation),
                ExemptCount = findings.Count(f => f.Status == FindingStatus.Exempt),
                GracePeriodCount = findings.Count(f => f.Status == FindingStatus.GracePeriod),
                ScheduledCount = findings.Count(f => f.Status == FindingStatus.Scheduled),
                Inventory = inventory,
                DeviceExemptions = deviceExemptions ?? Array.Empty<Exemption>(),
                Duration = duration,
            };
        }

        internal static TargetScanResult FailedWith(string computerName, CimException error, TimeSpan duration) =>
            new TargetScanResult
            {
                ComputerName = computerName,
                Status = ComplianceRules.StatusOf(error, false, null),
                Error = error,
                Duration = duration,
            };
    }
}
