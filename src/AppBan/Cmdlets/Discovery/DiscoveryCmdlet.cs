using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;
using AppBan.Output;
using AppBan.Engine;
using AppBan.Engine.Cim;
using AppBan.Engine.Findings;
using AppBan.Engine.FanOut;
using AppBan.Engine.Policy;
using MiCimSession = Microsoft.Management.Infrastructure.CimSession;

namespace AppBan.Cmdlets
{
    /// <summary>
    /// What Get-BannedApp and Test-AppBanCompliance share: the policy (-Policy, -PolicyPath or the built-in one), the
    /// rule selection (-Rule), the evaluation date (-AsOf), and the scan of each target. Bad policy or rule input stops
    /// the cmdlet before any target is contacted.
    /// </summary>
    public abstract class DiscoveryCmdlet : AppBanTargetCmdlet
    {
        internal const string PolicyPathSet = "PolicyPath";
        internal const string PolicyObjectSet = "Policy";
        internal const string DefaultSet = PolicyPathSet + ComputerNameSet;

        // Failures already reported as a result object, so HandleTargetFailure does not report them twice.
        private readonly ConditionalWeakTable<Exception, object> reported = new ConditionalWeakTable<Exception, object>();
        private TargetScanner scanner;
        private IClock clock;

        // The target parameters in this cmdlet's own parameter sets (see AppBanTargetCmdlet).
        [Parameter(ParameterSetName = PolicyPathSet + ComputerNameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = PolicyObjectSet + ComputerNameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("CN", "ServerName", "DNSHostName", "Name")]
        [ValidateNotNullOrEmpty]
        public override string[] ComputerName { get => base.ComputerName; set => base.ComputerName = value; }

        [Parameter(ParameterSetName = PolicyPathSet + CimSessionSet, Mandatory = true)]
        [Parameter(ParameterSetName = PolicyObjectSet + CimSessionSet, Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public override MiCimSession[] CimSession { get => base.CimSession; set => base.CimSession = value; }

        [Parameter(ParameterSetName = PolicyPathSet + ComputerNameSet)]
        [Parameter(ParameterSetName = PolicyObjectSet + ComputerNameSet)]
        [Credential]
        public override PSCredential Credential { get => base.Credential; set => base.Credential = value; }

        [Parameter(ParameterSetName = PolicyPathSet + ComputerNameSet)]
        [Parameter(ParameterSetName = PolicyObjectSet + ComputerNameSet)]
        [ValidateRange(1, 65535)]
        public override int Port { get => base.Port; set => base.Port = value; }

        [Parameter(ParameterSetName = PolicyPathSet + ComputerNameSet)]
        [Parameter(ParameterSetName = PolicyObjectSet + ComputerNameSet)]
        public override SwitchParameter UseSSL { get => base.UseSSL; set => base.UseSSL = value; }

        [Parameter(ParameterSetName = PolicyPathSet + ComputerNameSet)]
        [Parameter(ParameterSetName = PolicyObjectSet + ComputerNameSet)]
        public override CimAuthentication Authentication { get => base.Authentication; set => base.Authentication = value; }

        [Parameter(ParameterSetName = PolicyPathSet + ComputerNameSet)]
        [Parameter(ParameterSetName = PolicyObjectSet + ComputerNameSet)]
        public override SwitchParameter SkipCertificateCheck { get => base.SkipCertificateCheck; set => base.SkipCertificateCheck = value; }

        [Parameter(ParameterSetName = PolicyPathSet + ComputerNameSet)]
        [Parameter(ParameterSetName = PolicyObjectSet + ComputerNameSet)]
        public override SwitchParameter UseWsMan { get => base.UseWsMan; set => base.UseWsMan = value; }

        /// <summary>A policy file; without it (and without -Policy) the built-in policy applies.</summary>
        [Parameter(ParameterSetName = PolicyPathSet + ComputerNameSet)]
        [Parameter(ParameterSetName = PolicyPathSet + CimSessionSet)]
        [ValidateNotNullOrEmpty]
        public string PolicyPath { get; set; }

        /// <summary>A built-in policy by name ("TikTok", "ByteDance"), instead of -PolicyPath or -Policy.</summary>
        [Parameter(ParameterSetName = PolicyPathSet + ComputerNameSet)]
        [Parameter(ParameterSetName = PolicyPathSet + CimSessionSet)]
        [ValidateNotNullOrEmpty]
        [BuiltInPolicyName]
        [ArgumentCompleter(typeof(BuiltInPolicyNameCompleter))]
        public string PolicyName { get; set; }

        /// <summary>A policy object from Get-AppBanPolicy.</summary>
        [Parameter(ParameterSetName = PolicyObjectSet + ComputerNameSet, Mandatory = true)]
        [Parameter(ParameterSetName = PolicyObjectSet + CimSessionSet, Mandatory = true)]
        [ValidateNotNull]
        public AppBanPolicy Policy { get; set; }

        /// <summary>Only these rules of the policy (ids, tab-completed).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(RuleIdCompleter))]
        public string[] Rule { get; set; }

        /// <summary>
        /// Evaluate exemptions and the phase-out date as of this moment instead of now: "what will be in violation on
        /// the deadline?". It changes nothing on the targets.
        /// </summary>
        [Parameter]
        public DateTime AsOf { get; set; }

        /// <summary>
        /// Also read the per-user apps of users who are signed out: each one's hive is loaded for milliseconds inside one
        /// elevated command on the target, copied to an administrators-only key and unloaded. Without it, discovery only
        /// reads (nothing is started on a target) and such users are named in UsersNotScanned with HiveNotLoaded.
        /// </summary>
        [Parameter]
        public SwitchParameter IncludeSignedOutUsers { get; set; }

        /// <summary>The policy in effect for this run.</summary>
        protected AppBanPolicy EffectivePolicy { get; private set; }

        /// <summary>The moment findings are evaluated against.</summary>
        protected DateTimeOffset EvaluatedAt => clock.UtcNow;

        protected override string ProgressActivity => "Scanning for banned apps";

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            EffectivePolicy = Policy ?? PolicyInput.Load(this, PolicyPath, PolicyName);
            clock = MyInvocation.BoundParameters.ContainsKey(nameof(AsOf))
                ? new FixedClock(new DateTimeOffset(AsOf.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(AsOf, DateTimeKind.Local) : AsOf))
                : (IClock)SystemClock.Instance;
            try
            {
                scanner = TargetScanner.ForPolicy(EffectivePolicy, clock, Rule != null && Rule.Length > 0 ? Rule : null);
                scanner.ReadSignedOutProfiles = IncludeSignedOutUsers.IsPresent;
            }
            catch (ArgumentException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.UnknownRule, ErrorCategory.InvalidArgument, Rule));
            }
        }

        protected sealed override async Task ProcessTargetAsync(TargetContext context)
        {
            var result = await scanner.ScanAsync(context.Session, context.CallOptions, context.CancellationToken).ConfigureAwait(false);
            Emit(result, context);
            if (result.Error != null)
            {
                // One non-terminating error per failed target, written by the base class on the pipeline thread.
                reported.Add(result.Error, null);
                throw result.Error;
            }
        }

        /// <summary>Writes a target's result through <paramref name="context"/> (worker thread: no PowerShell API).</summary>
        protected abstract void Emit(TargetScanResult result, TargetContext context);

        /// <summary>
        /// A target that failed before the scan could start (its session could not be opened). Compliance reports it as
        /// a result too; the error record is still written by the base class.
        /// </summary>
        protected override bool HandleTargetFailure(string computerName, string transport, Exception error, TargetSink sink)
        {
            if (reported.TryGetValue(error, out _)) return false;
            OnTargetFailedToStart(computerName, error, sink);
            return false;
        }

        protected virtual void OnTargetFailedToStart(string computerName, Exception error, TargetSink sink) { }
    }
}
