using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Inventory;
using Xunit;

namespace AppBan.Engine.Tests.Inventory
{
    public class OperationThrottleTests
    {
        [Fact]
        public void Never_more_than_the_limit_in_flight_and_the_bulk_leaves_the_reserve_free()
        {
            var throttle = new OperationThrottle(8);
            Assert.Equal(2, throttle.Reserved);
            var bulk = new List<Task>();
            for (var i = 0; i < 10; i++) bulk.Add(throttle.WaitAsync(true, 1, CancellationToken.None));
            Assert.Equal(6, bulk.FindAll(t => t.IsCompleted).Count);

            var chain = new[] { throttle.WaitAsync(false, 1, CancellationToken.None), throttle.WaitAsync(false, 1, CancellationToken.None), throttle.WaitAsync(false, 1, CancellationToken.None) };
            Assert.True(chain[0].IsCompleted && chain[1].IsCompleted);
            Assert.False(chain[2].IsCompleted);
            Assert.Equal(8, throttle.InFlight);

            // A slot freed by the bulk goes to the operation on the chain, which waited first in its own queue.
            throttle.Release(true);
            Assert.True(chain[2].IsCompleted);
            Assert.Equal(6, bulk.FindAll(t => t.IsCompleted).Count);
            Assert.Equal(8, throttle.InFlight);
        }

        [Fact]
        public void A_slot_freed_on_the_chain_stays_reserved_while_the_bulk_is_at_its_share()
        {
            var throttle = new OperationThrottle(4);
            Assert.Equal(1, throttle.Reserved);
            var bulk = new List<Task>();
            for (var i = 0; i < 5; i++) bulk.Add(throttle.WaitAsync(true, 1, CancellationToken.None));
            var chain = throttle.WaitAsync(false, 1, CancellationToken.None);
            Assert.True(chain.IsCompleted);
            throttle.Release(false);
            Assert.Equal(3, bulk.FindAll(t => t.IsCompleted).Count);
            Assert.Equal(3, throttle.InFlight);
            // A bulk read ending hands its slot to the next bulk read.
            throttle.Release(true);
            Assert.Equal(4, bulk.FindAll(t => t.IsCompleted).Count);
        }

        [Fact]
        public void The_bulk_is_served_deepest_first_then_in_order()
        {
            var throttle = new OperationThrottle(1);
            Assert.Equal(0, throttle.Reserved);
            var first = throttle.WaitAsync(true, 1, CancellationToken.None);
            var shallowA = throttle.WaitAsync(true, 1, CancellationToken.None);
            var deep = throttle.WaitAsync(true, 2, CancellationToken.None);
            var shallowB = throttle.WaitAsync(true, 1, CancellationToken.None);
            Assert.True(first.IsCompleted);

            // A slot handed over completes the waiter's task at once (its continuations run elsewhere).
            throttle.Release(true);
            Assert.True(deep.IsCompleted);
            Assert.False(shallowA.IsCompleted || shallowB.IsCompleted);
            throttle.Release(true);
            Assert.True(shallowA.IsCompleted);
            Assert.False(shallowB.IsCompleted);
            throttle.Release(true);
            Assert.True(shallowB.IsCompleted);
        }

        [Fact]
        public async Task A_cancelled_waiter_leaves_its_queue_and_takes_no_slot()
        {
            var throttle = new OperationThrottle(1);
            await throttle.WaitAsync(false, 0, CancellationToken.None);
            using var cancel = new CancellationTokenSource();
            var cancelled = throttle.WaitAsync(false, 0, cancel.Token);
            var next = throttle.WaitAsync(false, 0, CancellationToken.None);
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
            throttle.Release(false);
            await next;
            Assert.Equal(1, throttle.InFlight);
            throttle.Release(false);
            Assert.Equal(0, throttle.InFlight);
        }
    }
}
