using AgentRelay.ProxyService.Configuration;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AgentRelay.ProxyService.Concurrency;

/// <summary>
/// The limiter shared by all replicas. A slot is a lease in Redis with an expiry that its holder renews while it
/// works, so the slots of a killed replica come back within <c>Proxy:LeaseTtl</c>. Waiters form one FIFO queue in
/// Redis; a release wakes them through pub/sub, with a short poll as the fallback. If Redis cannot be reached, the
/// replica falls back to its in-process limiter at its fair share of the global limit (the limit divided by the
/// replicas last seen alive in Redis) rather than refusing traffic. Releasing a lease never waits on Redis.
/// </summary>
public sealed partial class RedisConcurrencyLimiter : IConcurrencyLimiter, IDisposable
{
    public const string KeyPrefix = "agentrelay:concurrency:";

    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan s_reconnectWait = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_failOverPeriod = TimeSpan.FromSeconds(5);

    private readonly IConnectionMultiplexer _redis;
    private readonly IOptionsMonitor<ProxyOptions> _options;
    private readonly InProcessConcurrencyLimiter _fallback;
    private readonly TimeProvider _time;
    private readonly ILogger<RedisConcurrencyLimiter> _logger;
    private readonly TimeSpan _firstConnectWait;
    private readonly RedisChannel _channel = RedisChannel.Literal(KeyPrefix + "released");
    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _subscribed;
    private long _failedOverUntilTicks;
    private bool _everConnected;

    public RedisConcurrencyLimiter(IConnectionMultiplexer redis, IOptionsMonitor<ProxyOptions> options, ReplicaHeartbeat replicas, TimeProvider time, ILogger<RedisConcurrencyLimiter> logger)
    {
        _redis = redis;
        _options = options;
        // Every lease, Redis's or its own, is counted here, so a fallback starts from what this replica already runs.
        _fallback = new InProcessConcurrencyLimiter(options, time) { Limit = settings => FairShare(settings.MaxConcurrentSessions, replicas.ReplicasSeen) };
        _time = time;
        _logger = logger;
        _firstConnectWait = 2 * TimeSpan.FromMilliseconds(ConfigurationOptions.Parse(redis.Configuration).ConnectTimeout);
    }

    /// <summary>This replica's share of the global limit while Redis is unreachable: never less than one slot.</summary>
    public static int FairShare(int limit, int replicas) => Math.Max(1, limit / Math.Max(1, replicas));

    /// <summary>Requests this replica is running (under Redis leases or its fallback limit).</summary>
    public int LocalInUse => _fallback.InUse;

    private object Keys(string id) => new
    {
        leases = (RedisKey)(KeyPrefix + "leases"),
        queue = (RedisKey)(KeyPrefix + "queue"),
        alive = (RedisKey)(KeyPrefix + "alive"),
        seq = (RedisKey)(KeyPrefix + "seq"),
        channel = KeyPrefix + "released",
        id,
        max = _options.CurrentValue.MaxConcurrentSessions,
        ttl = (long)_options.CurrentValue.LeaseTtl.TotalMilliseconds,
        maxQueue = _options.CurrentValue.MaxQueueLength,
    };

    public async ValueTask<SlotAcquisition> AcquireAsync(CancellationToken cancellationToken)
    {
        if (!await IsAvailableAsync(cancellationToken))
        {
            return await _fallback.AcquireAsync(cancellationToken);
        }

        var id = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
        var database = _redis.GetDatabase();
        try
        {
            await EnsureSubscribedAsync();
            var deadline = _time.GetUtcNow() + _options.CurrentValue.QueueTimeout;
            var firstPosition = -1;
            while (true)
            {
                var wakeUp = Volatile.Read(ref _released).Task;
                if (!_redis.IsConnected)
                {
                    throw new RedisConnectionException(ConnectionFailureType.SocketClosed, "not connected");
                }

                // A command sent while the connection drops waits in the multiplexer's backlog up to its timeout
                // (5 s by default): this waiter fails over well before that.
                var result = (RedisResult[])(await RedisConcurrencyScripts.Acquire.EvaluateAsync(database, Keys(id)).WaitAsync(s_reconnectWait, _time, cancellationToken))!;
                var (state, position) = ((int)result[0], (int)result[1]);
                if (firstPosition < 0)
                {
                    firstPosition = position;
                }

                if (state == 1)
                {
                    return SlotAcquisition.Granted(new Lease(this, id, _fallback.Occupy()), firstPosition);
                }

                if (state < 0)
                {
                    return SlotAcquisition.Refused(SlotRejection.QueueFull, position + 1);
                }

                if (_time.GetUtcNow() >= deadline)
                {
                    _ = LeaveAsync(id);
                    return SlotAcquisition.Refused(SlotRejection.QueueTimeout, firstPosition);
                }

                try
                {
                    await wakeUp.WaitAsync(s_pollInterval, _time, cancellationToken);
                }
                catch (TimeoutException)
                {
                    // Poll: a lease may have expired without anyone publishing.
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client left the queue: leave it in Redis too, at once (in the background), not when the entry expires.
            _ = LeaveAsync(id);
            throw;
        }
        catch (Exception exception) when (IsRedisFailure(exception))
        {
            FailOver(exception.Message);
            return await _fallback.AcquireAsync(cancellationToken);
        }
    }

    /// <summary>
    /// A small circuit breaker, so that an outage does not make every request wait out Redis's timeouts: a
    /// disconnected multiplexer (it reconnects by itself in the background) gets a short wait; if the connection does
    /// not come, this replica uses its own limit for <see cref="s_failOverPeriod"/> before looking again.
    /// </summary>
    private async ValueTask<bool> IsAvailableAsync(CancellationToken cancellationToken)
    {
        if (_time.GetUtcNow() < new DateTimeOffset(Interlocked.Read(ref _failedOverUntilTicks), TimeSpan.Zero))
        {
            return false;
        }

        // A replica that has never been connected is starting (slowly, on a busy machine), not facing an outage:
        // it waits as long as a connection attempt may take.
        var waitUntil = _time.GetUtcNow() + (Volatile.Read(ref _everConnected) ? s_reconnectWait : _firstConnectWait);
        while (!_redis.IsConnected)
        {
            if (_time.GetUtcNow() >= waitUntil)
            {
                FailOver("not connected");
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), _time, cancellationToken);
        }

        Volatile.Write(ref _everConnected, true);
        return true;
    }

    private void FailOver(string reason)
    {
        Interlocked.Exchange(ref _failedOverUntilTicks, (_time.GetUtcNow() + s_failOverPeriod).UtcTicks);
        Log.RedisUnavailable(_logger, reason);
    }

    private async Task EnsureSubscribedAsync()
    {
        if (Interlocked.Exchange(ref _subscribed, 1) == 0)
        {
            await _redis.GetSubscriber().SubscribeAsync(_channel, (_, _) =>
                Interlocked.Exchange(ref _released, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult());
        }
    }

    private async Task LeaveAsync(string id)
    {
        try
        {
            await RedisConcurrencyScripts.Release.EvaluateAsync(_redis.GetDatabase(), Keys(id));
        }
        catch (Exception exception) when (IsRedisFailure(exception))
        {
            // The entry expires by itself within the lease time.
            Log.RedisUnavailable(_logger, exception.Message);
        }
    }

    /// <summary>Connection failures and timeouts (<see cref="RedisTimeoutException"/> is a <see cref="TimeoutException"/>, not a <see cref="RedisException"/>).</summary>
    private static bool IsRedisFailure(Exception exception) => exception is RedisException or TimeoutException;

    public void Dispose()
    {
        if (Volatile.Read(ref _subscribed) == 1)
        {
            // Never wait on (or fail because of) an outage while shutting down.
            _redis.GetSubscriber().Unsubscribe(_channel, flags: CommandFlags.FireAndForget);
        }
    }

    /// <summary>A held slot: renewed every third of the lease time until disposed.</summary>
    private sealed class Lease : IAsyncDisposable
    {
        private readonly RedisConcurrencyLimiter _owner;
        private readonly string _id;
        private readonly IAsyncDisposable _local;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _renewal;

        public Lease(RedisConcurrencyLimiter owner, string id, IAsyncDisposable local)
        {
            _owner = owner;
            _id = id;
            _local = local;
            _renewal = RenewAsync();
        }

        private async Task RenewAsync()
        {
            var interval = _owner._options.CurrentValue.LeaseTtl / 3;
            try
            {
                while (true)
                {
                    await Task.Delay(interval, _owner._time, _stop.Token);
                    var renewed = (int)await RedisConcurrencyScripts.Renew.EvaluateAsync(_owner._redis.GetDatabase(), _owner.Keys(_id));
                    if (renewed == 0)
                    {
                        Log.LeaseLost(_owner._logger, _id);
                        return;
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception exception) when (IsRedisFailure(exception))
            {
                Log.RedisUnavailable(_owner._logger, exception.Message);
            }
        }

        /// <summary>
        /// Frees the slot here at once and gives the lease back to Redis in the background: a finished response must
        /// end now, not when a Redis outage ends (the command would wait in the multiplexer's backlog up to its
        /// timeout). If the release never arrives, the lease expires within <c>Proxy:LeaseTtl</c>.
        /// </summary>
        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            await _local.DisposeAsync();
            _ = ReleaseAsync();
        }

        private async Task ReleaseAsync()
        {
            // The renewal was cancelled; its token source goes once it has stopped.
            await _renewal;
            _stop.Dispose();
            await _owner.LeaveAsync(_id);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Redis is unavailable for the concurrency limit; this replica uses its fair share of the limit for a few seconds: {Reason}")]
        public static partial void RedisUnavailable(ILogger logger, string reason);

        [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Concurrency lease {LeaseId} expired while held (the replica stalled longer than Proxy:LeaseTtl)")]
        public static partial void LeaseLost(ILogger logger, string leaseId);
    }
}
