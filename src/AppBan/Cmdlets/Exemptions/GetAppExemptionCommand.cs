using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using AppBan.Engine;
using AppBan.Engine.Exemptions;

namespace AppBan.Cmdlets
{
    /// <summary>
    /// Lists exemptions on devices (the targets) and/or in a policy file, each with its Status at this moment.
    /// With only -PolicyPath, no device is contacted.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "AppExemption", DefaultParameterSetName = ComputerNameSet)]
    [OutputType(typeof(ExemptionRecord))]
    public sealed class GetAppExemptionCommand : AppBanTargetCmdlet
    {
        private readonly IClock clock = SystemClock.Instance;
        private HashSet<ExemptionStatus> wanted;

        /// <summary>Also (or only, without targets) list the exemptions in this policy file.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string PolicyPath { get; set; }

        /// <summary>Also (or only) list the exemptions of this built-in policy ("TikTok", "ByteDance"; they ship with none), instead of -PolicyPath.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [BuiltInPolicyName]
        [ArgumentCompleter(typeof(BuiltInPolicyNameCompleter))]
        public string PolicyName { get; set; }

        /// <summary>Only these ids.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[] Id { get; set; }

        /// <summary>Only exemptions with these statuses.</summary>
        [Parameter]
        public ExemptionStatus[] Status { get; set; }

        /// <summary>Only expired exemptions (the same as -Status Expired).</summary>
        [Parameter]
        public SwitchParameter Expired { get; set; }

        protected override string ProgressActivity => "Reading exemptions";

        /// <summary>With -PolicyPath, a device is read only when one is named.</summary>
        protected override bool LocalMachineByDefault => PolicyPath == null && PolicyName == null;

        protected override void BeginProcessing()
        {
            if (Status != null || Expired)
            {
                wanted = new HashSet<ExemptionStatus>(Status ?? new ExemptionStatus[0]);
                if (Expired) wanted.Add(ExemptionStatus.Expired);
            }
            base.BeginProcessing();
        }

        protected override void EndProcessing()
        {
            if (PolicyPath != null || PolicyName != null)
            {
                var policy = PolicyInput.Load(this, PolicyPath, PolicyName);
                var now = clock.UtcNow;
                foreach (var e in policy.Exemptions)
                {
                    var record = ExemptionRecord.Of(e, null, now);
                    if (Keep(record)) WriteObject(record);
                }
            }
            base.EndProcessing();
        }

        protected override async Task ProcessTargetAsync(TargetContext context)
        {
            var problems = new List<string>();
            var all = await new DeviceExemptionService(context.Session, context.CallOptions, clock)
                .ReadAllAsync(problems, context.CancellationToken).ConfigureAwait(false);
            foreach (var problem in problems) context.WriteWarning(problem);
            var now = clock.UtcNow;
            foreach (var e in all.OrderBy(x => x.GrantedOn ?? DateTimeOffset.MinValue).ThenBy(x => x.Id, StringComparer.OrdinalIgnoreCase))
            {
                var record = ExemptionRecord.Of(e, context.ComputerName, now);
                if (Keep(record)) context.WriteObject(record);
            }
        }

        private bool Keep(ExemptionRecord r) =>
            (wanted == null || wanted.Contains(r.Status)) &&
            (Id == null || Id.Any(i => ExemptionId.AreSame(i, r.Id)));
    }
}
