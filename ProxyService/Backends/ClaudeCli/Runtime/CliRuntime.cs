using AgentRelay.ProxyService.Core;

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

    /// <summary>A kept process recycled for a new conversation, its old one cleared (<see cref="CliRuntime.AcquireFreshAsync"/>):
    /// initialized alike already, so only the whole prompt.</summary>
    Recycled,
}

/// <summary>A process lent to one request.</summary>
public sealed record CliLease(LiveCli Live, string Runtime, CliTurnStart Start)
{
    /// <summary>Whether the process was kept for another conversation and recycled for this one (reported as <c>pool</c>).</summary>
    public bool Recycled => Start == CliTurnStart.Recycled;
}

/// <summary>
/// The process runtime of the ClaudeCli backend: a request gets its conversation's warm process when there is one
/// (waiting on the client's tool results, or idle after a turn it continues), else a pooled one, else a new spawn;
/// after the turn the process is kept for the conversation or retired.
/// </summary>
/// <remarks>
/// When keeping the conversations in flight would retire a kept process anyway (<c>Sessions:MaxWarm</c> reached), a new
/// conversation recycles the least recently used kept one started and initialized alike: <c>/clear</c> (~50 ms), then its prompt;
/// the process that keeping it would have retired serves it instead. Ahead of a pooled process too: that one would
/// have to be replaced by a start (about a second of CPU), and a recycled process answers sooner than a pooled one
/// that still needs <c>initialize</c>.
/// </remarks>
public sealed partial class CliRuntime(WarmProcesses warm, CliProcessPool pool, CliProcessRegistry registry, CliActivity activity, ILogger<CliRuntime> logger)
{
    /// <summary>How long a kept process may take to clear its conversation before it is retired instead.</summary>
    public static readonly TimeSpan ClearTimeout = TimeSpan.FromSeconds(5);

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
                return Lend(new CliLease(waiting, CliRuntimeKinds.Warm, CliTurnStart.ToolResults));
            }

            warm.Retire(waiting, "tool results under other start-up options");
        }

        if (turn.ConversationKey is { } key && warm.TakeIdle(key) is { } idle)
        {
            if (Usable(idle, warmKey) && idle.Continues(turn))
            {
                return Lend(new CliLease(idle, CliRuntimeKinds.Warm, CliTurnStart.NextTurn));
            }

            warm.Retire(idle, "the conversation does not continue its last turn");
        }

        return null;
    }

    /// <summary>A process for a request that starts its conversation on it: a kept one recycled (<paramref name="recyclable"/>,
    /// when <c>Sessions:MaxWarm</c> is reached), a pooled one, or a new spawn; or why none could be started.</summary>
    /// <param name="spawn">What the process is started with (the cold path's plan included).</param>
    /// <param name="warmKey">Kept on the process for <see cref="TakeWarm"/>.</param>
    /// <param name="recyclable">Whether a kept process with <paramref name="warmKey"/> serves the request once recycled: it
    /// starts a conversation with no history, started and initialized as the warm key says.</param>
    /// <param name="turn">The request's turn: one of a conversation will be kept (it counts towards <c>Sessions:MaxWarm</c>).</param>
    public async ValueTask<(CliLease? Lease, string? Error)> AcquireFreshAsync(CliSpawn spawn, string warmKey, bool recyclable, CliTurn turn, CancellationToken cancellationToken)
    {
        if (recyclable && turn.ConversationKey is not null && warm.TakeToRecycle(warmKey) is { } kept)
        {
            var cleared = false;
            try
            {
                cleared = await ClearAsync(kept.Process, cancellationToken);
            }
            finally
            {
                if (!cleared)
                {
                    // Also when the client went away meanwhile: a half-cleared process serves nobody.
                    warm.Returned(kept);
                    warm.Retire(kept, "its conversation could not be cleared");
                }
            }

            if (cleared)
            {
                kept.Recycled();
                return (new CliLease(kept, CliRuntimeKinds.Pool, CliTurnStart.Recycled), null);
            }
        }

        if (pool.Take(spawn) is { } pooled)
        {
            return (Lend(new CliLease(new LiveCli(pooled, warmKey), CliRuntimeKinds.Pool, CliTurnStart.Fresh), turn), null);
        }

        var (process, error) = spawn.Start(registry, logger);
        return process is null ? (null, error) : (Lend(new CliLease(new LiveCli(process, warmKey), CliRuntimeKinds.Cold, CliTurnStart.Fresh), turn), null);
    }

    /// <summary>Keeps the process for its conversation's next request.</summary>
    public void Keep(LiveCli live) => warm.Keep(live);

    /// <summary>The process lent to a request is not kept (its turn failed or was cut short): it no longer counts
    /// towards <c>Sessions:MaxWarm</c>.</summary>
    public void NotKept(LiveCli live) => warm.Returned(live);

    /// <summary>Starts processes ahead for the next new conversation like this one.</summary>
    public void Replenish(CliSpawn spawn) => pool.Refill(spawn);

    private static bool Usable(LiveCli live, string warmKey) => !live.Process.HasExited && live.WarmKey == warmKey;

    private CliLease Lend(CliLease lease, CliTurn? turn = null)
    {
        // A warm lease goes back to Keep after its turn; so does one that starts a conversation.
        if (turn is null || turn.ConversationKey is not null)
        {
            warm.Lend(lease.Live);
        }

        return lease;
    }

    /// <summary>Writes <c>/clear</c> and reads to its result: the CLI starts a new session (2.1.330: a
    /// <c>conversation_reset</c>, a new <c>system/init</c>, a <c>result</c>, ~50 ms) with the same start-up options and
    /// <c>initialize</c>; the next upstream request holds only what comes after it.</summary>
    private async Task<bool> ClearAsync(CliProcess process, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ClearTimeout);
        try
        {
            if (!await process.WriteAsync(StreamJson.ClearConversation(), timeout.Token))
            {
                return false;
            }

            while (await process.ReadAsync(timeout.Token) is { } message)
            {
                switch (message["type"].AsString())
                {
                    case StreamJson.Types.Result:
                        return message["subtype"].AsString() == StreamJson.Subtypes.Success;
                    case StreamJson.Types.ControlRequest when message["request_id"].AsString() is { } requestId:
                        // Nothing is asked while clearing; never leave the CLI waiting for an answer.
                        await process.WriteAsync(StreamJson.Error(requestId, "not expected while clearing the conversation"), timeout.Token);
                        break;
                }
            }

            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Log.ClearTimedOut(logger, process.Id);
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6022, Level = LogLevel.Warning, Message = "The Claude CLI (pid {Pid}) did not clear its conversation in time; retiring it")]
        public static partial void ClearTimedOut(ILogger logger, int pid);
    }
}
