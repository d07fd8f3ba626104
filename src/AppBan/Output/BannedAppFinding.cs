using System;
using AppBan.Engine.Findings;
using AppBan.Engine.Inventory;

namespace AppBan.Output
{
    /// <summary>
    /// One banned app instance on one computer, as Get-BannedApp writes it: flat for Export-Csv and ConvertTo-Json,
    /// ComputerName first. The engine's finding (with the full InstalledApp) travels with it internally, so
    /// Remove-BannedApp and Grant-AppExemption can act on exactly what was found when it comes down the pipeline.
    /// </summary>
    public sealed class BannedAppFinding
    {
        internal BannedAppFinding(Finding finding)
        {
            Finding = finding ?? throw new ArgumentNullException(nameof(finding));
            var app = finding.App ?? throw new ArgumentException("A finding needs its app.", nameof(finding));
            ComputerName = app.ComputerName;
            MachineName = finding.MachineName;
            RuleId = finding.RuleId;
            AppName = app.DisplayName;
            Version = app.DisplayVersion;
            Publisher = app.Publisher;
            Kind = app.Kind;
            Scope = app.Scope;
            UserSid = app.UserSid;
            UserName = app.UserName;
            RegistryView = app.RegistryView;
            ProductCode = app.ProductCode;
            PackageFullName = app.PackageFullName;
            KeyPath = app.KeyPath;
            UninstallString = app.UninstallString;
            FromUserWritableLocation = app.FromUserWritableLocation;
            Status = finding.Status;
            ExemptionId = finding.Exemption?.Id;
            ExemptionReason = finding.Exemption?.Reason;
            ExemptionExpires = finding.Exemption?.Expires;
            ExemptionSource = finding.Exemption?.Source.ToString();
            EnforceAfter = finding.EnforceAfter;
            ScheduledAt = finding.ScheduledAt;
            ScheduledUntil = finding.ScheduledUntil;
            RuleName = finding.RuleName;
            PolicyName = finding.PolicyName;
        }

        public string ComputerName { get; }
        /// <summary>The name the computer gives itself (read from its registry); null when it could not be read.</summary>
        public string MachineName { get; }
        public string RuleId { get; }
        public string AppName { get; }
        public string Version { get; }
        public string Publisher { get; }
        public AppKind Kind { get; }
        public AppScope Scope { get; }
        public string UserSid { get; }
        public string UserName { get; }
        public RegistryView RegistryView { get; }
        /// <summary>Only when the uninstall key name is a valid GUID and WindowsInstaller=1.</summary>
        public string ProductCode { get; }
        public string PackageFullName { get; }
        public string KeyPath { get; }
        /// <summary>As found, for information only: AppBan never runs a command line read from a user-writable location.</summary>
        public string UninstallString { get; }
        /// <summary>
        /// True when the entry was read from the user's own hive (HKU): its user could have written every value, so
        /// AppBan treats it as untrusted input.
        /// </summary>
        public bool FromUserWritableLocation { get; }
        public FindingStatus Status { get; }
        public string ExemptionId { get; }
        public string ExemptionReason { get; }
        public DateTimeOffset? ExemptionExpires { get; }
        /// <summary>Device or Policy; null when no exemption applies.</summary>
        public string ExemptionSource { get; }
        /// <summary>The policy's phase-out deadline; null means enforced now.</summary>
        public DateTimeOffset? EnforceAfter { get; }
        /// <summary>Scheduled findings: when AppBan set the user's own removal in motion (a sign-in task, browser policy).</summary>
        public DateTimeOffset? ScheduledAt { get; }
        /// <summary>Scheduled findings: until when the user's task waits for a sign-in.</summary>
        public DateTimeOffset? ScheduledUntil { get; }
        public string RuleName { get; }
        public string PolicyName { get; }

        /// <summary>The engine's finding this object was made from (with the InstalledApp), for the cmdlets downstream.</summary>
        internal Finding Finding { get; }

        public override string ToString() =>
            AppName + " " + Version + " (" + Kind + ", " + (Scope == AppScope.User ? UserName ?? UserSid : "machine") + ") on " + ComputerName + ": " + Status;
    }
}
