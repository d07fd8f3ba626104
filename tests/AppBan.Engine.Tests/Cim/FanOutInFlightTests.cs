using System;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.FanOut;
using Xunit;

namespace AppBan.Engine.Tests.Cim
{
    public class FanOutInFlightTests
    {
        [Fact]
        public void InFlight_can_be_read_while_targets_start_and_end()
        {
            using (var runner = new FanOutRunner(64))
            {
                Exception failure = null;
                var reads = 0;
                // Progress reads InFlight on the pipeline thread while workers add and remove themselves.
                var readers = new Thread[2];
                for (var r = 0; r < readers.Length; r++)
                {
                    readers[r] = new Thread(() =>
                    {
                        while (!runner.IsCompleted && Volatile.Read(ref failure) == null)
                        {
                            try { _ = runner.InFlight; Interlocked.Increment(ref reads); }
                            catch (Exception ex) { Interlocked.CompareExchange(ref failure, ex, null); }
                        }
                    });
                    readers[r].Start();
                }
                for (var i = 0; i < 5000; i++)
                    runner.Add("h" + i, async (sink, ct) => { await Task.Delay(1, ct); });
                runner.CompleteAdding();
                while (!runner.IsCompleted) runner.TryTake(out _, 10);
                foreach (var reader in readers) reader.Join();
                Assert.Null(failure);
                Assert.True(reads > 0);
            }
        }
    }
}
