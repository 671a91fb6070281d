using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;
using AgentRelay.ProxyService.Telemetry;

namespace AgentRelay.ProxyService.Backends;

/// <summary>
/// The <c>chat {model}</c> CLIENT span over one logical upstream call (all its attempts), with the OpenTelemetry
/// GenAI attributes, and the GenAI duration and token metrics.
/// </summary>
public sealed class TracingBackendClient(IBackendClient inner, string providerName, TimeProvider time) : DelegatingBackendClient(inner)
{
    public override async IAsyncEnumerable<BackendEvent> StreamAsync(BackendRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var model = request.Message.Model ?? "unknown";
        var started = time.GetTimestamp();
        using var activity = StartActivity(request, model);
        var usage = new UsageTotals();
        BackendFailure? failure = null;

        // The consumer stops reading at a failure, so the bookkeeping must run when the iterator is disposed.
        try
        {
            await foreach (var item in Inner.StreamAsync(request, cancellationToken))
            {
                if (item is MessageStreamEvent streamEvent)
                {
                    usage.Observe(streamEvent);
                }
                else if (item is BackendFailure backendFailure)
                {
                    failure = backendFailure;
                }

                yield return item;
                // The consumer ran with its own Activity.Current; put ours back (dotnet/runtime#47802) while another
                // attempt (a retry, whose spans belong under ours) can still start: until the response is committed.
                // Setting it costs an execution context per event, which a committed stream's hundreds of deltas skip.
                if (activity is not null && !request.Response.Committed)
                {
                    Activity.Current = activity;
                }
            }
        }
        finally
        {
            Finish(activity, usage, failure, model, time.GetElapsedTime(started));
        }
    }

    private Activity? StartActivity(BackendRequest request, string model)
    {
        if (!ProxyInstrumentation.ActivitySource.HasListeners())
        {
            return null;
        }

        // Sampling-relevant attributes go in at creation, as the GenAI conventions ask.
        var tags = new ActivityTagsCollection
        {
            [TelemetryNames.GenAI.OperationName] = TelemetryNames.Spans.ChatOperation,
            [TelemetryNames.GenAI.ProviderName] = providerName,
            [TelemetryNames.GenAI.Request.Model] = model,
        };
        var activity = ProxyInstrumentation.ActivitySource.StartActivity($"{TelemetryNames.Spans.ChatOperation} {model}", ActivityKind.Client, default(ActivityContext), tags);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(TelemetryNames.GenAI.Request.Stream, request.Context.Stream ?? request.Message.ClientStream);
            if (request.Message.Body["max_tokens"] is JsonValue maxTokens && maxTokens.TryGetValue<long>(out var max))
            {
                activity.SetTag(TelemetryNames.GenAI.Request.MaxTokens, max);
            }
        }

        return activity;
    }

    private void Finish(Activity? activity, UsageTotals usage, BackendFailure? failure, string model, TimeSpan elapsed)
    {
        var tags = new TagList
        {
            { TelemetryNames.GenAI.OperationName, TelemetryNames.Spans.ChatOperation },
            { TelemetryNames.GenAI.ProviderName, providerName },
            { TelemetryNames.GenAI.Request.Model, model },
        };
        if (failure is not null)
        {
            tags.Add(TelemetryNames.Error.Type, failure.Type);
        }

        if (ProxyInstrumentation.OperationDuration.Enabled)
        {
            ProxyInstrumentation.OperationDuration.Record(elapsed.TotalSeconds, tags);
        }

        if (ProxyInstrumentation.TokenUsage.Enabled && failure is null)
        {
            RecordTokens(tags, "input", usage.InputTokens);
            RecordTokens(tags, "output", usage.OutputTokens);
        }

        if (activity is null)
        {
            return;
        }

        if (activity.IsAllDataRequested)
        {
            activity.SetTag(TelemetryNames.GenAI.Response.Id, usage.ResponseId);
            activity.SetTag(TelemetryNames.GenAI.Response.Model, usage.ResponseModel);
            activity.SetTag(TelemetryNames.GenAI.Usage.InputTokens, usage.InputTokens);
            activity.SetTag(TelemetryNames.GenAI.Usage.OutputTokens, usage.OutputTokens);
            if (usage.FinishReason is { } reason)
            {
                activity.SetTag(TelemetryNames.GenAI.Response.FinishReasons, new[] { reason });
            }
        }

        if (failure is not null)
        {
            activity.SetTag(TelemetryNames.Error.Type, failure.Type);
            activity.SetStatus(ActivityStatusCode.Error, failure.Message);
        }
    }

    private static void RecordTokens(TagList tags, string tokenType, long? count)
    {
        if (count is { } value)
        {
            var withType = tags;
            withType.Add(TelemetryNames.GenAI.Token.Type, tokenType);
            ProxyInstrumentation.TokenUsage.Record((int)Math.Min(value, int.MaxValue), withType);
        }
    }
}
