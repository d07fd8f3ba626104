using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using AppBan.Engine;
using AppBan.Engine.Cim;
using AppBan.Engine.Exemptions;

namespace AppBan.Cmdlets
{
    /// <summary>
    /// What Grant- and Revoke-AppExemption share: who makes the change, the clock, the changes ShouldProcess approved per
    /// target (asked on the pipeline thread, read by the workers), sending pipeline input to the computers it came from,
    /// and the audit trail: every change made to this computer's device store, or to a policy file here, is also written
    /// to the Application event log when elevated on Windows, before the change goes down the pipeline.
    /// </summary>
    /// <typeparam name="TChange">One pending change (a grant or an exemption id to revoke).</typeparam>
    public abstract class ExemptionChangeCmdlet<TChange> : AppBanTargetCmdlet
    {
        protected const string TargetSet = "Target";
        protected const string PolicySet = "Policy";

        private readonly Dictionary<string, List<TChange>> approved = new Dictionary<string, List<TChange>>(StringComparer.OrdinalIgnoreCase);

        protected IClock Clock { get; } = SystemClock.Instance;

        /// <summary>DOMAIN\name of the operator, recorded in every ExemptionChange.</summary>
        protected string ChangedBy { get; private set; }

        /// <summary>Changes that came down the pipeline, by the computer they are for; null when none did.</summary>
        protected Dictionary<string, List<TChange>> PendingByTarget { get; private set; }

        /// <summary>True in the policy-file mode: the change goes into a file here and no computer is contacted.</summary>
        protected abstract bool ChangesPolicyFile { get; }

        protected sealed override bool LocalMachineByDefault => !ChangesPolicyFile;

        protected override void BeginProcessing()
        {
            ChangedBy = OperatorIdentity.Current();
            base.BeginProcessing();
        }

        /// <summary>Asks ShouldProcess for each change on <paramref name="computerName"/> and keeps the approved ones for its worker.</summary>
        protected bool Approve(string computerName, IEnumerable<TChange> changes, Func<TChange, string> describe)
        {
            var yes = changes.Where(c => ShouldProcess(computerName, describe(c))).ToList();
            lock (approved) approved[computerName] = yes;
            return yes.Count > 0;
        }

        /// <summary>On a worker: the changes approved for this target.</summary>
        protected List<TChange> ApprovedFor(string computerName)
        {
            lock (approved) return approved.TryGetValue(computerName, out var mine) ? mine : new List<TChange>();
        }

        /// <summary>
        /// Queues the pipeline's changes for the computers they came from: through the matching -CimSession, or by name.
        /// A computer no -CimSession is for gets an error and nothing is written there. base.EndProcessing runs them.
        /// </summary>
        protected void QueueChangesOnTargets(Dictionary<string, List<TChange>> byTarget, string cameFrom)
        {
            PendingByTarget = byTarget;
            if (CimSession != null && CimSession.Length > 0)
            {
                var names = new HashSet<string>(CimSession.Select(CimSessionFactory.ComputerNameOf),
                    StringComparer.OrdinalIgnoreCase);
                foreach (var orphan in byTarget.Keys.Where(k => !names.Contains(k)).ToList())
                {
                    WriteError(new ErrorRecord(new ArgumentException("No -CimSession given is for " + orphan + ", " + cameFrom + "; nothing was written there."),
                        ErrorIds.NoSessionForTarget, ErrorCategory.InvalidArgument, orphan));
                    byTarget.Remove(orphan);
                }
            }
            QueueInputTargets(byTarget.Keys);
        }

        /// <summary>
        /// Makes each change ShouldProcess approves in a policy file, on the pipeline thread, one by one: one that fails is
        /// an error and the others still go ahead.
        /// </summary>
        protected void ChangePolicyFile<T>(string file, IEnumerable<T> changes, Func<T, string> describe, Func<T, ExemptionChange> make)
        {
            foreach (var item in changes)
            {
                if (!ShouldProcess(file, describe(item))) continue;
                ExemptionChange change;
                try { change = make(item); }
                catch (ExemptionException ex) { WriteError(ExemptionCmdletSupport.ErrorFor(ex, file)); continue; }
                WritePolicyChange(change);
            }
        }

        /// <summary>A change made to a policy file, on the pipeline thread: audited (the file is edited here), then written out.</summary>
        protected void WritePolicyChange(ExemptionChange change)
        {
            AuditExemptionChange(null, change, WriteWarning);
            WriteObject(change);
        }

        /// <summary>
        /// A change made to a target's device store, on its worker: audited first when the target is this computer (a
        /// stopped pipeline may drop the object, never the event), then sent down the pipeline.
        /// </summary>
        protected void WriteDeviceChange(TargetContext context, ExemptionChange change)
        {
            AuditExemptionChange(context.ComputerName, change, context.WriteWarning);
            context.WriteObject(change);
        }
    }
}
