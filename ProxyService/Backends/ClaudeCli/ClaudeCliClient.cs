using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Configuration;
using AgentRelay.ProxyService.Core;
using AgentRelay.ProxyService.Telemetry;
using AgentRelay.ProxyService.Backends.ClaudeCli.Runtime;
using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Backends.ClaudeCli;

/// <summary>
/// <c>Backend:Kind=ClaudeCli</c>: each request is a turn of a <c>claude</c> CLI process, driven over its stream-json
/// protocol the way the official Agent SDK drives it. Processes outlive requests (see <see cref="CliRuntime"/>).
/// </summary>
/// <remarks>
/// <code>
///   proxy ── initialize, user message, control responses, interrupt ──► claude (stdin)
///   proxy ◄── system, stream_event, assistant, user, control requests, result ── claude (stdout)
/// </code>
/// Steps: (1) plan the turn (how the conversation reaches a new CLI, see <see cref="CliColdStart"/>; arguments,
/// environment, prompt, the client's tools as an in-process MCP server); (2) get a
/// process: the conversation's warm one, a pooled one, or a new one (or answer 503 with the install command); (3) start
/// the turn: <c>initialize</c> and the whole prompt for a fresh process, the new user message for a warm one, or the
/// client's tool results as answers to the CLI's pending <c>tools/call</c>s; (4) read until <c>result</c>: stream events
/// become the client's message, control requests are answered; (5) a client tool call ends the client's message, and
/// the CLI's call stays pending for the client's next request; (6) the outcome comes from the result, or from the exit
/// code when there is none. A process that finished its turn (or waits for tool results) is kept for its conversation;
/// any other ending retires it: an interrupt if the turn was cut short, stdin closed, a kill of its process tree after
/// <see cref="CliProcess.GracePeriod"/>. The CLI never retries on its own (see <see cref="CliEnvironment"/>).
/// </remarks>
public sealed partial class ClaudeCliClient(
    IOptionsMonitor<BackendOptions> options,
    IOptionsMonitor<SessionsOptions> runtimeOptions,
    CliRuntime runtime,
    CliTranscriptJanitor janitor,
    TimeProvider time,
    ILogger<ClaudeCliClient> logger) : IBackendClient
{
    public async IAsyncEnumerable<BackendEvent> StreamAsync(BackendRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var backend = options.CurrentValue;
        var home = CliTranscriptJanitor.HomeOf(backend);
        var workingDirectory = CliInvocation.WorkingDirectoryFor(request.Context.Agent);
        var messages = request.Message.Body["messages"] as JsonArray ?? [];
        var turn = CliTurn.From(request.Message.Body, request.Context.Session);
        using var waiting = runtime.BeginWaiting();

        // :: Step 2 first for a warm process: the conversation's own process needs no plan, no transcript, no resume.
        // Its key leaves the resume arguments out, so a conversation that was resumed when its process started still finds it.
        var plain = CliInvocation.Create(request, CliColdStart.Plain);
        var plainSpawn = SpawnFor(backend, plain);
        var warmKey = WarmKeyOf(plainSpawn, plain);
        var acquiring = Stopwatch.GetTimestamp();
        if (runtime.TakeWarm(warmKey, turn) is { } warmLease)
        {
            RecordRuntime(request.Context, warmLease.Runtime, Stopwatch.GetElapsedTime(acquiring));
            var warmRun = new RunOutcome();
            await foreach (var item in RunAsync(request, plain, null, warmLease, turn, warmRun, waiting, cancellationToken))
            {
                yield return item;
            }

            if (warmRun.SessionId is { } warmSession)
            {
                janitor.Track(home, warmSession, CliTranscript.PathOf(home, plain.WorkingDirectory, warmSession));
            }

            yield break;
        }

        // :: Step 1: the plan: how the conversation reaches a new CLI (CliColdStart), then the run's arguments.
        var start = CliColdStart.Plan(request.Context.Session, messages, id => File.Exists(CliTranscript.PathOf(home, workingDirectory, id)));
        for (var attempt = 1; ; attempt++)
        {
            var invocation = CliInvocation.Create(request, start);
            if (attempt == 1 && invocation.Ignored.Count > 0)
            {
                Log.FieldsIgnored(logger, string.Join(", ", invocation.Ignored));
            }

            if (start.Transcript.Count > 0 && start.ResumeSessionId is { } transcriptId)
            {
                var entries = CliTranscript.Entries(start.Transcript, transcriptId, invocation.WorkingDirectory, invocation.Tools, time.GetUtcNow());
                var path = await CliTranscript.WriteAsync(home, invocation.WorkingDirectory, transcriptId, entries, cancellationToken);
                janitor.Track(home, transcriptId, path);
            }

            Log.Planned(logger, start.Kind, start.Transcript.Count, start.Live.Count, request.Context.Session.Action);
            var run = new RunOutcome();
            var spawn = SpawnFor(backend, invocation);
            acquiring = Stopwatch.GetTimestamp();
            // A conversation with no history, started and initialized as a kept process was: that one can be recycled for it.
            var recyclable = start is { Kind: CliColdStart.KindFresh, Prefill.Count: 0, Environment.Count: 0 } && invocation.UserMessage is not null
                && spawn.Key == plainSpawn.Key && invocation.InitKey == plain.InitKey;
            var (lease, startError) = await runtime.AcquireFreshAsync(spawn, warmKey, recyclable, turn, cancellationToken);
            if (lease is null)
            {
                Log.NotStarted(logger, backend.ClaudePath, startError);
                yield return CliFailures.NotInstalled(backend.ClaudePath, startError ?? "unknown error");
                yield break;
            }

            RecordRuntime(request.Context, lease.Runtime, Stopwatch.GetElapsedTime(acquiring), lease.Recycled);
            await foreach (var item in RunAsync(request, invocation, plainSpawn, lease, turn, run, waiting, cancellationToken))
            {
                // :: The stale-session retry: the resumed session is not there, nothing reached the client yet.
                if (item is BackendFailure && run.StaleSession && attempt == 1 && !run.Produced)
                {
                    break;
                }

                yield return item;
            }

            if (run.SessionId is { } ran)
            {
                janitor.Track(home, ran, CliTranscript.PathOf(home, invocation.WorkingDirectory, ran));
            }

            if (!(run.StaleSession && attempt == 1 && !run.Produced))
            {
                yield break;
            }

            Log.StaleSession(logger, start.Kind);
            start = CliColdStart.FromHistory(messages);
        }
    }

    /// <summary>What a new process for <paramref name="invocation"/> is started with.</summary>
    private CliSpawn SpawnFor(BackendOptions backend, CliInvocation invocation)
    {
        var environment = CliEnvironment.Build(CliEnvironment.Inherited(), backend.Environment, invocation.Environment);
        if (!backend.Environment.ContainsKey(CliEnvironment.McpToolTimeout))
        {
            // A client tool may take as long as Sessions:ToolResultTimeout allows; the CLI's own timeout must not cut it short.
            environment[CliEnvironment.McpToolTimeout] = CliEnvironment.Milliseconds(runtimeOptions.CurrentValue.ToolResultTimeout + TimeSpan.FromMinutes(1));
        }

        return new CliSpawn(backend.ClaudePath, invocation.Arguments, environment, invocation.WorkingDirectory);
    }

    /// <summary>The <see cref="LiveCli.WarmKey"/> of a process started for <paramref name="plain"/> (an invocation without resume).</summary>
    private static string WarmKeyOf(CliSpawn spawn, CliInvocation plain) => spawn.Key + ":" + plain.InitKey;

    /// <summary>One turn of a CLI process (it got one in step 2), steps 3 to 6.</summary>
    /// <param name="replenish">What the pool is refilled with after a process not kept warm (a new conversation's spawn).</param>
    /// <param name="waiting">The request's wait for its first output, ended at the first event for the client.</param>
    private async IAsyncEnumerable<BackendEvent> RunAsync(BackendRequest request, CliInvocation invocation, CliSpawn? replenish, CliLease lease, CliTurn turn,
        RunOutcome run, CliActivity.Waiter waiting, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var live = lease.Live;
        var process = live.Process;
        var answers = lease.Start == CliTurnStart.ToolResults ? new ToolResultAnswers(turn.ToolResults, turn.OtherBlocks) : null;
        var controls = new ControlRequests(invocation.Tools, answers);
        var translator = new CliEventTranslator(request.Context.Agent, invocation.Tools, NewMessageId());
        string? sessionId = null;
        JsonObject? result = null;
        JsonObject? apiError = null;
        var kept = false;
        var finishedCleanly = false;
        try
        {
            // :: Step 3: start the turn. The SDK writes initialize and the turn at once; the CLI answers initialize first.
            switch (lease.Start)
            {
                case CliTurnStart.Fresh:
                    await process.WriteAsync(invocation.Initialize, cancellationToken);
                    // Without a user message the CLI resumes the transcript's interrupted turn by itself (CliColdStart).
                    if (invocation.UserMessage is { } userMessage)
                    {
                        await process.WriteAsync(userMessage, cancellationToken);
                    }

                    break;
                case CliTurnStart.Recycled:
                    await process.WriteAsync(invocation.UserMessage!, cancellationToken);
                    break;
                case CliTurnStart.NextTurn:
                    await process.WriteAsync(CliInvocation.NextTurnMessage(request, turn.ContinuesFrom ?? turn.MessageCount - 1), cancellationToken);
                    break;
                case CliTurnStart.ToolResults:
                    foreach (var held in live.TakeHeld())
                    {
                        await process.WriteAsync(controls.Answer(held)!, cancellationToken);
                    }

                    break;
            }

            // :: Step 4: read until the result, or until the model called a client tool.
            while (await process.ReadAsync(cancellationToken) is { } message)
            {
                if (sessionId is null && message["session_id"].AsString() is { Length: > 0 } id)
                {
                    sessionId = id;
                    run.SessionId = id;
                    yield return new BackendSessionEvent(id);
                }

                var type = message["type"].AsString();
                if (type == StreamJson.Types.Result)
                {
                    result = message;
                    break;
                }

                switch (type)
                {
                    case StreamJson.Types.System when message["subtype"].AsString() == StreamJson.Subtypes.Init:
                        translator.Model ??= message["model"].AsString();
                        break;

                    case StreamJson.Types.StreamEvent when message["event"] is JsonObject streamEvent:
                        foreach (var item in translator.OnStreamEvent(streamEvent))
                        {
                            run.Produced = true;
                            waiting.FirstOutput();
                            yield return item;
                        }

                        break;

                    case StreamJson.Types.ControlRequest:
                        if (controls.Answer(message) is { } answer)
                        {
                            await process.WriteAsync(answer, cancellationToken);
                        }
                        else
                        {
                            live.Hold(message);
                        }

                        break;

                    case StreamJson.Types.Assistant when message["is_api_error_message"] is JsonValue flag && flag.TryGetValue<bool>(out var isApiError) && isApiError:
                        apiError = message;
                        break;
                }

                // :: Step 5: the client's message ended with its tool call(s); the CLI waits for their results.
                if (translator.ClientToolCalled)
                {
                    live.AwaitToolResults(turn, translator.ClientToolUseIds, translator.CliToolCalled);
                    runtime.Keep(live);
                    kept = true;
                    yield break;
                }
            }

            // :: Step 6: the outcome.
            finishedCleanly = true;
            if (result is null)
            {
                await process.WaitForExitAsync(CliProcess.GracePeriod);
                var failure = CliFailures.FromExit(process.ExitCode, process.Stderr.ToString());
                Log.EndedWithoutResult(logger, process.Id, process.ExitCode, failure.Status);
                yield return failure;
                yield break;
            }

            if (CliFailures.FromResult(result, apiError) is { } resultFailure)
            {
                run.StaleSession = CliFailures.IsStaleSession(result);
                Log.RunFailed(logger, process.Id, result["subtype"].AsString(), resultFailure.Status, resultFailure.Type);
                yield return resultFailure;
                yield break;
            }

            live.Completed(turn, translator.CliToolCalled);
            runtime.Keep(live);
            kept = true;
            var closing = translator.Started ? translator.Finish() : FromResultText(result, translator.Model);
            foreach (var item in closing)
            {
                yield return item;
            }
        }
        finally
        {
            if (!kept)
            {
                runtime.NotKept(live);

                // Anything but a finished turn (the client went away, a failure, an exception): the process is retired,
                // interrupted first if its turn may still run.
                await process.StopAsync(interrupt: !finishedCleanly);
                await process.DisposeAsync();
            }

            if (replenish is not null)
            {
                runtime.Replenish(replenish);
            }
        }
    }

    /// <summary>The CLI does not count tokens; an estimate, as for any backend without count_tokens.</summary>
    public Task<JsonReply> CountTokensAsync(BackendRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(TokenEstimator.Reply(request.Message));

    private static void RecordRuntime(ProxyRequestFeature context, string kind, TimeSpan elapsed, bool recycled = false)
    {
        context.Runtime = kind;
        context.RuntimeRecycled = recycled;
        context.Activity?.SetTag(TelemetryNames.Relay.Runtime, kind);
        context.Activity?.SetTag(TelemetryNames.Relay.RuntimeAcquireMs, Math.Round(elapsed.TotalMilliseconds, 1));
        if (recycled)
        {
            context.Activity?.SetTag(TelemetryNames.Relay.RuntimeRecycled, true);
        }
    }

    /// <summary>A successful run that streamed nothing (e.g. a reply the CLI produced itself): its result text.</summary>
    private static IEnumerable<MessageStreamEvent> FromResultText(JsonObject result, string? model)
    {
        var usage = result["usage"] as JsonObject;
        return MessageEvents.FromMessage(new JsonObject
        {
            ["id"] = NewMessageId(),
            ["type"] = "message",
            ["role"] = "assistant",
            ["model"] = model ?? "claude",
            ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = result["result"].AsString() ?? string.Empty }),
            ["stop_reason"] = "end_turn",
            ["stop_sequence"] = null,
            ["usage"] = new JsonObject
            {
                ["input_tokens"] = usage?["input_tokens"]?.DeepClone() ?? 0,
                ["output_tokens"] = usage?["output_tokens"]?.DeepClone() ?? 0,
            },
        });
    }

    /// <summary>Unique per response, whatever ids the upstream used for its turns.</summary>
    private static string NewMessageId() => "msg_relay_" + Guid.CreateVersion7().ToString("N");

    /// <summary>What one run did, for the stale-session retry and the transcript janitor.</summary>
    private sealed class RunOutcome
    {
        public string? SessionId { get; set; }

        /// <summary>Whether anything for the client came out of the run.</summary>
        public bool Produced { get; set; }

        /// <summary>Whether the run failed because the session it resumed was not there.</summary>
        public bool StaleSession { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6014, Level = LogLevel.Debug, Message = "CLI run: {Kind} ({TranscriptMessages} messages in the transcript, {LiveMessages} live); session action {Action}")]
        public static partial void Planned(ILogger logger, string kind, int transcriptMessages, int liveMessages, string action);

        [LoggerMessage(EventId = 6015, Level = LogLevel.Warning, Message = "The CLI could not resume the session ({Kind}); retrying once from a fresh transcript of the client's history")]
        public static partial void StaleSession(ILogger logger, string kind);

        [LoggerMessage(EventId = 6010, Level = LogLevel.Debug, Message = "Request fields the Claude CLI cannot honour were dropped: {Fields}")]
        public static partial void FieldsIgnored(ILogger logger, string fields);

        [LoggerMessage(EventId = 6011, Level = LogLevel.Error, Message = "The Claude CLI '{Path}' could not be started: {Reason}")]
        public static partial void NotStarted(ILogger logger, string path, string? reason);

        [LoggerMessage(EventId = 6012, Level = LogLevel.Warning, Message = "The Claude CLI (pid {Pid}) ended without a result (exit code {ExitCode}); answering {Status}")]
        public static partial void EndedWithoutResult(ILogger logger, int pid, int? exitCode, int status);

        [LoggerMessage(EventId = 6013, Level = LogLevel.Information, Message = "The Claude CLI (pid {Pid}) reported {Subtype}; answering {Status} {ErrorType}")]
        public static partial void RunFailed(ILogger logger, int pid, string? subtype, int status, string errorType);
    }
}
