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
public sealed class CliRuntime(WarmProcesses warm, CliProcessPool pool, CliProcessRegistry registry, CliActivity activity, ILogger<CliRuntime> logger)
{
    /// <summary>A request starts waiting for its first output (pool refills wait meanwhile, see <see cref="CliActivity"/>).</summary>
    public CliActivity.Waiter BeginWaiting() => activity.Begin();

    /// <summary>
    /// The conversation's own process for <paramref name="turn"/>: the one waiting on the tool results it brings, or the
    /// idle one whose last turn it continues; <see langword="null"/> when there is none (the cold path plans then).
    /// </summary>
    /// <param name="warmKey">What the request would start and initialize a process with, resume arguments left out
    /// (see <see cref="LiveCli.WarmKey"/>).</param>
    public CliLease? TakeWarm(string warmKey, CliTurn turn)
    {
        if (warm.TakeAnswered(turn) is { } waiting)
        {
            if (Usable(waiting, warmKey))
            {
                return new CliLease(waiting, CliRuntimeKinds.Warm, CliTurnStart.ToolResults);
            }

            warm.Retire(waiting, "tool results under other start-up options");
        }

        if (turn.ConversationKey is { } key && warm.TakeIdle(key) is { } idle)
        {
            if (Usable(idle, warmKey) && idle.Continues(turn))
            {
                return new CliLease(idle, CliRuntimeKinds.Warm, CliTurnStart.NextTurn);
            }

            warm.Retire(idle, "the conversation does not continue its last turn");
        }

        return null;
    }

    /// <summary>A process that got nothing yet: a pooled one, or a new spawn; or why none could be started.</summary>
    /// <param name="spawn">What the process is started with (the cold path's plan included).</param>
    /// <param name="warmKey">Kept on the process for <see cref="TakeWarm"/>.</param>
    public (CliLease? Lease, string? Error) AcquireFresh(CliSpawn spawn, string warmKey)
    {
        if (pool.Take(spawn) is { } pooled)
        {
            return (new CliLease(new LiveCli(pooled, warmKey), CliRuntimeKinds.Pool, CliTurnStart.Fresh), null);
        }

        var (process, error) = spawn.Start(registry, logger);
        return process is null ? (null, error) : (new CliLease(new LiveCli(process, warmKey), CliRuntimeKinds.Cold, CliTurnStart.Fresh), null);
    }

    /// <summary>Keeps the process for its conversation's next request.</summary>
    public void Keep(LiveCli live) => warm.Keep(live);

    /// <summary>Starts processes ahead for the next new conversation like this one.</summary>
    public void Replenish(CliSpawn spawn) => pool.Refill(spawn);

    private static bool Usable(LiveCli live, string warmKey) => !live.Process.HasExited && live.WarmKey == warmKey;
}
