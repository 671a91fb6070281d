using AgentRelay.ProxyService.Configuration;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AgentRelay.ProxyService.Sessions;

/// <summary>
/// Session state shared by every replica: one Redis hash per conversation under <see cref="KeyPrefix"/>
/// (<c>v</c> = version, <c>s</c> = the state's JSON), expiring <c>Sessions:Ttl</c> after its last use. Reads refresh
/// the expiry and writes compare the version, each in one Lua script, so both are atomic.
/// </summary>
public sealed class RedisSessionStore(IConnectionMultiplexer redis, IOptionsMonitor<SessionsOptions> options) : ISessionStore
{
    public const string KeyPrefix = "agentrelay:session:";

    private static readonly LuaScript s_get = LuaScript.Prepare("""
        local state = redis.call('HGET', @key, 's')
        if state then redis.call('PEXPIRE', @key, @ttl) end
        return state
        """);

    private static readonly LuaScript s_set = LuaScript.Prepare("""
        local current = tonumber(redis.call('HGET', @key, 'v') or '0')
        if current ~= tonumber(@expected) then return 0 end
        redis.call('HSET', @key, 'v', tonumber(@expected) + 1, 's', @state)
        redis.call('PEXPIRE', @key, @ttl)
        return 1
        """);

    public bool IsConnected => redis.IsConnected;

    public async ValueTask<SessionState?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var result = await s_get.EvaluateAsync(redis.GetDatabase(), new { key = (RedisKey)(KeyPrefix + key), ttl = TtlMs });
        return result.IsNull ? null : SessionState.FromJson((string?)result);
    }

    public async ValueTask<bool> SetAsync(string key, SessionState state, long expectedVersion, CancellationToken cancellationToken)
    {
        var json = (state with { Version = expectedVersion + 1 }).ToJson();
        var result = await s_set.EvaluateAsync(redis.GetDatabase(), new { key = (RedisKey)(KeyPrefix + key), expected = expectedVersion, state = json, ttl = TtlMs });
        return (int)result == 1;
    }

    public async ValueTask RemoveAsync(string key, CancellationToken cancellationToken) =>
        await redis.GetDatabase().KeyDeleteAsync(KeyPrefix + key);

    private long TtlMs => (long)options.CurrentValue.Ttl.TotalMilliseconds;
}
