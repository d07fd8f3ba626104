using AppBan.Engine.Findings;

namespace AppBan.Engine.Remediation
{
    /// <summary>
    /// What a <see cref="RemediationRun"/> tells the record of an unattended run as it goes (Reporting's RemediationReport
    /// implements it), on the worker threads. An interface here, so that Remediation does not depend on Reporting, which
    /// depends on Remediation's results.
    /// </summary>
    public interface IRemediationRecorder
    {
        void DeclareTarget(string computerName);
        void AddScan(TargetScanResult scan);
        /// <summary>Records one removal; false when it is no action (an exempt or grace-period skip).</summary>
        bool AddRemoval(RemovalResult result, string computerName);
        /// <summary>The target's work ended (its failures, if any, are recorded).</summary>
        void TargetEnded(string computerName);
    }
}
