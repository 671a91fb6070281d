namespace AgentRelay.ProxyService.Backends.ClaudeCli.Runtime;

/// <summary>Where a request's CLI process came from: its conversation's own (<c>warm</c>), the pool, or a new spawn.</summary>
public static class CliRuntimeKinds
{
    public const string Warm = "warm";
    public const string Pool = "pool";
    public const string Cold = "cold";
}

/// <summary>How the request starts its turn on the process it got.</summary>
public enum CliTurnStart
{
    /// <summary>A process that got nothing yet: <c>initialize</c>, then the whole prompt.</summary>
    Fresh,

    /// <summary>A warm process after a finished turn: only the new user message.</summary>
    NextTurn,

    /// <summary>A warm process waiting on client tool calls: answer them with the request's <c>tool_result</c>s.</summary>
    ToolResults,
}

/// <summary>A process lent to one request.</summary>
public sealed record CliLease(LiveCli Live, string Runtime, CliTurnStart Start);

/// <summary>
/// The process runtime of the ClaudeCli backend: a request gets its conversation's warm process when there is one
/// (waiting on the client's tool results, or idle after a turn it continues), else a pooled one, else a new spawn;
/// after the turn the process is kept for the conversation or retired.
/// </summary>
public sealed class CliRuntime(WarmProcesses warm, CliProcessPool pool, CliProcessRegistry registry, ILogger<CliRuntime> logger)
{
    /// <summary>A process for <paramref name="turn"/>, or why none could be started.</summary>
    /// <param name="spawn">What a new process would be started with.</param>
    /// <param name="initKey">What its <c>initialize</c> would say (system prompt, tools).</param>
    public (CliLease? Lease, string? Error) Acquire(CliSpawn spawn, string initKey, CliTurn turn)
    {
        if (warm.TakeAnswered(turn) is { } waiting)
        {
            if (Usable(waiting, spawn, initKey))
            {
                return (new CliLease(waiting, CliRuntimeKinds.Warm, CliTurnStart.ToolResults), null);
            }

            warm.Retire(waiting, "tool results under other start-up options");
        }

        if (turn.ConversationKey is { } key && warm.TakeIdle(key) is { } idle)
        {
            if (Usable(idle, spawn, initKey) && idle.Continues(turn))
            {
                return (new CliLease(idle, CliRuntimeKinds.Warm, CliTurnStart.NextTurn), null);
            }

            warm.Retire(idle, "the conversation does not continue its last turn");
        }

        if (pool.Take(spawn) is { } pooled)
        {
            return (new CliLease(new LiveCli(pooled, spawn.Key), CliRuntimeKinds.Pool, CliTurnStart.Fresh), null);
        }

        var (process, error) = spawn.Start(registry, logger);
        return process is null ? (null, error) : (new CliLease(new LiveCli(process, spawn.Key), CliRuntimeKinds.Cold, CliTurnStart.Fresh), null);
    }

    /// <summary>Keeps the process for its conversation's next request.</summary>
    public void Keep(LiveCli live) => warm.Keep(live);

    /// <summary>Starts processes ahead for the next new conversation like this one.</summary>
    public void Replenish(CliSpawn spawn) => pool.Refill(spawn);

    private static bool Usable(LiveCli live, CliSpawn spawn, string initKey) =>
        !live.Process.HasExited && live.SpawnKey == spawn.Key && live.InitKey == initKey;
}
