using System.Collections.Generic;
using System.Linq;
using AppBan.Engine.Cim;
using Xunit;

namespace AppBan.Engine.Tests.Cim
{
    public class LeftBehindTests
    {
        // Before the run: System, services, WmiPrvSE (session 0) and a signed-in user's explorer (session 1).
        private static readonly uint[] Before = { 4, 760, 2216, 5012 };
        private const uint Wrapper = 7004;
        private const uint ExitedUninstaller = 7008;

        private static RunningProcess Process(uint id, uint parent, string name, uint? session) =>
            new RunningProcess { ProcessId = id, ParentProcessId = parent, Name = name, SessionId = session };

        private static List<RunningProcess> Existing() => new List<RunningProcess>
        {
            Process(4, 0, "System", 0), Process(760, 688, "services.exe", 0), Process(2216, 904, "WmiPrvSE.exe", 0), Process(5012, 4980, "explorer.exe", 1),
        };

        private static string[] Names(IEnumerable<RunningProcess> found) => found.Select(p => p.Name).OrderBy(n => n).ToArray();

        [Fact]
        public void A_session_0_copy_whose_uninstaller_has_exited_is_followed()
        {
            var now = Existing();
            now.Add(Process(7012, ExitedUninstaller, "Un_A.exe", 0));

            Assert.Equal(new[] { "Un_A.exe" }, Names(ProcessClient.LeftBehind(Before, Wrapper, 0, now)));
        }

        [Fact]
        public void A_users_orphan_in_session_1_is_ignored_while_the_session_0_copy_is_followed()
        {
            var now = Existing();
            now.Add(Process(7012, ExitedUninstaller, "Un_A.exe", 0));
            // A launcher the user started during the run has exited: its child's parent is gone, as the copy's is.
            now.Add(Process(7020, 7016, "game.exe", 1));

            Assert.Equal(new[] { "Un_A.exe" }, Names(ProcessClient.LeftBehind(Before, Wrapper, 0, now)));
        }

        [Fact]
        public void A_users_orphan_alone_leaves_nothing_to_wait_for()
        {
            var now = Existing();
            now.Add(Process(7020, 7016, "game.exe", 1));
            now.Add(Process(7024, 7020, "helper.exe", 1));

            Assert.Empty(ProcessClient.LeftBehind(Before, Wrapper, 0, now));
        }

        [Fact]
        public void The_wrappers_children_and_their_children_in_its_session_are_followed()
        {
            var now = Existing();
            now.Add(Process(Wrapper, 2216, "cmd.exe", 0));
            now.Add(Process(7012, Wrapper, "uninstall.exe", 0));
            now.Add(Process(7016, 7012, "helper.exe", 0));

            Assert.Equal(new[] { "helper.exe", "uninstall.exe" }, Names(ProcessClient.LeftBehind(Before, Wrapper, 0, now)));
        }

        [Fact]
        public void The_session_compared_is_the_runs_own()
        {
            // A run whose process was found in session 2 follows its session, not session 0.
            var now = Existing();
            now.Add(Process(7012, ExitedUninstaller, "Un_A.exe", 2));
            now.Add(Process(7020, 7016, "agent.exe", 0));

            Assert.Equal(new[] { "Un_A.exe" }, Names(ProcessClient.LeftBehind(Before, Wrapper, 2, now)));
        }

        [Fact]
        public void A_process_whose_session_the_listing_does_not_give_is_not_followed()
        {
            var now = Existing();
            now.Add(Process(7012, ExitedUninstaller, "Un_A.exe", null));

            Assert.Empty(ProcessClient.LeftBehind(Before, Wrapper, 0, now));
        }

        [Fact]
        public void Processes_that_ran_before_are_never_taken()
        {
            // explorer.exe's parent (userinit) is long gone, and it is in session 1; WmiPrvSE's parent runs: neither is new.
            Assert.Empty(ProcessClient.LeftBehind(Before, Wrapper, 0, Existing()));
            Assert.Empty(ProcessClient.LeftBehind(Before, Wrapper, 1, Existing()));
        }
    }
}
