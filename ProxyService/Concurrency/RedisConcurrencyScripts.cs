using StackExchange.Redis;

namespace AgentRelay.ProxyService.Concurrency;

/// <summary>
/// The atomic operations of the distributed limiter. Time is Redis's own (<c>TIME</c>), so replica clocks never
/// disagree about expiry. Keys: leases (member = lease id, score = expiry ms), queue (member = waiter id,
/// score = arrival ticket), alive (member = waiter id, score = expiry ms), seq (ticket counter).
/// </summary>
internal static class RedisConcurrencyScripts
{
    private const string Now = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        """;

    private const string Purge = """
        redis.call('ZREMRANGEBYSCORE', @leases, '-inf', now)
        local dead = redis.call('ZRANGEBYSCORE', @alive, '-inf', now)
        for _, w in ipairs(dead) do
          redis.call('ZREM', @queue, w)
          redis.call('ZREM', @alive, w)
        end
        """;

    /// <summary>
    /// ARGV: id, max, ttlMs, maxQueue. Returns {1, position} granted; {0, position} waiting (enqueued or still
    /// queued, heartbeat renewed); {-1, queueLength} refused because the queue is full.
    /// </summary>
    public static readonly LuaScript Acquire = LuaScript.Prepare(Now + "\n" + Purge + "\n" + """
        local id = @id
        local max = tonumber(@max)
        local ttl = tonumber(@ttl)
        local free = max - redis.call('ZCARD', @leases)
        local rank = redis.call('ZRANK', @queue, id)
        if rank == false then
          local waiting = redis.call('ZCARD', @queue)
          if free > waiting then
            redis.call('ZADD', @leases, now + ttl, id)
            return {1, 0}
          end
          if waiting >= tonumber(@maxQueue) then
            return {-1, waiting}
          end
          redis.call('ZADD', @queue, redis.call('INCR', @seq), id)
          redis.call('ZADD', @alive, now + ttl, id)
          return {0, waiting + 1}
        end
        if rank < free then
          redis.call('ZREM', @queue, id)
          redis.call('ZREM', @alive, id)
          redis.call('ZADD', @leases, now + ttl, id)
          return {1, rank + 1}
        end
        redis.call('ZADD', @alive, now + ttl, id)
        return {0, rank + 1}
        """);

    /// <summary>ARGV: id, ttlMs. Extends a held lease; 0 when it had already expired.</summary>
    public static readonly LuaScript Renew = LuaScript.Prepare(Now + "\n" + """
        if redis.call('ZSCORE', @leases, @id) then
          redis.call('ZADD', @leases, 'XX', now + tonumber(@ttl), @id)
          return 1
        end
        return 0
        """);

    /// <summary>Gives a lease back, or leaves the queue; either way waiters are told to look again.</summary>
    public static readonly LuaScript Release = LuaScript.Prepare("""
        local removed = redis.call('ZREM', @leases, @id) + redis.call('ZREM', @queue, @id)
        redis.call('ZREM', @alive, @id)
        redis.call('PUBLISH', @channel, @id)
        return removed
        """);

    /// <summary>ARGV: id, ttlMs. Marks a replica alive until now + ttl, forgets expired ones; returns the replicas alive.</summary>
    public static readonly LuaScript Heartbeat = LuaScript.Prepare(Now + "\n" + """
        redis.call('ZADD', @replicas, now + tonumber(@ttl), @id)
        redis.call('ZREMRANGEBYSCORE', @replicas, '-inf', now)
        return redis.call('ZCARD', @replicas)
        """);
}
