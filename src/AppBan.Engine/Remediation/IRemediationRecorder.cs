using AppBan.Engine.Findings;

namespace AppBan.Engine.Remediation
{
    /// <summary>
    /// What records a remediation run as it goes: an unattended run's report (Reporting's RemediationReport). Declared
    /// here so that Remediation does not depend on Reporting. Called from worker threads.
    /// </summary>
    public interface IRemediationRecorder
    {
        /// <summary>A target of the run, named before its work is queued.</summary>
        void DeclareTarget(string computerName);

        void AddScan(TargetScanResult scan);

        /// <summary>Records one removal; false for one that is no action (an exempt or grace-period skip).</summary>
        bool AddRemoval(RemovalResult result, string computerName);

        /// <summary>The target's work ended.</summary>
        void TargetEnded(string computerName);
    }
}
