using System.Diagnostics;
using AgentRelay.ProxyService.Configuration;
using AgentRelay.ProxyService.Core;
using AgentRelay.ProxyService.Security;
using AgentRelay.ProxyService.Telemetry;
using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Endpoints;

/// <summary>
/// First in the pipeline after routing: gives every response an <c>x-relay-request-id</c> (also in the log scope and on
/// the span), and for requests to an <see cref="ApiSurface"/> (read from the endpoint's metadata) creates the
/// <see cref="ProxyRequestFeature"/> with the surface's error dialect, the <c>relay.request</c> span and, at the end,
/// the <c>/telemetry/requests</c> record.
/// </summary>
public sealed partial class RequestContextMiddleware(
    RequestDelegate next,
    ApiSurfaces surfaces,
    RequestLog requestLog,
    TimeProvider time,
    IOptionsMonitor<ProxyOptions> options,
    SecretRedactor redactor,
    ILogger<RequestContextMiddleware> logger)
{
    public const string RequestIdHeader = "x-relay-request-id";

    /// <summary>AgentRelay's own session id, on responses to requests that belong to a conversation.</summary>
    public const string SessionHeader = "x-relay-session";

    public async Task InvokeAsync(HttpContext context)
    {
        var requestId = NewRequestId();
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[RequestIdHeader] = requestId;
            return Task.CompletedTask;
        });
        Activity.Current?.SetTag(TelemetryNames.Relay.RequestId, requestId);
        using var scope = logger.BeginScope("RequestId:{RelayRequestId}", requestId);

        if (surfaces.Find(context) is not { } found)
        {
            await next(context);
            return;
        }

        var (surface, path) = found;

        using var activity = ProxyInstrumentation.ActivitySource.StartActivity(TelemetryNames.Spans.Request, ActivityKind.Internal);
        activity?.SetTag(TelemetryNames.Relay.RequestId, requestId);
        var feature = new ProxyRequestFeature
        {
            RequestId = requestId,
            Path = path,
            Dialect = surface.Dialect,
            StartedAt = time.GetUtcNow(),
            TraceId = (activity ?? Activity.Current)?.TraceId.ToHexString(),
            Activity = activity,
        };
        context.Features.Set(feature);
        context.Response.OnStarting(() =>
        {
            if (feature.Session.RelaySessionId is { } sessionId)
            {
                context.Response.Headers[SessionHeader] = sessionId;
            }

            return Task.CompletedTask;
        });
        if (options.CurrentValue.Debug)
        {
            Log.RequestHeaders(logger, context.Request.Method, path, redactor.DescribeHeaders(context.Request.Headers));
        }

        var started = time.GetTimestamp();
        var status = 0;
        try
        {
            await next(context);
            status = context.Response.StatusCode;
        }
        catch (Exception) when (!context.RequestAborted.IsCancellationRequested)
        {
            status = StatusCodes.Status500InternalServerError;
            feature.ErrorType ??= AnthropicErrorTypes.Api;
            throw;
        }
        finally
        {
            if (context.RequestAborted.IsCancellationRequested && feature.Error is ProxyError.ClientDisconnected or ProxyError.None && !feature.Committed)
            {
                status = StatusCodes.Status499ClientClosedRequest;
            }

            Complete(feature, activity, status == 0 ? context.Response.StatusCode : status, time.GetElapsedTime(started));
        }
    }

    private void Complete(ProxyRequestFeature feature, Activity? activity, int status, TimeSpan elapsed)
    {
        activity?.SetTag(TelemetryNames.Relay.Committed, feature.Committed);
        activity?.SetTag("http.response.status_code", status);
        requestLog.Add(RequestRecord.From(feature, status, elapsed.TotalMilliseconds));
        ProxyInstrumentation.Requests.Add(1, new TagList
        {
            { "http.route", feature.Path },
            { "http.response.status_code", status },
            { TelemetryNames.Error.Type, feature.ErrorType },
        });
    }

    /// <summary>
    /// A UUIDv7 like <see cref="Guid.CreateVersion7()"/>'s (time-ordered, 32 hex digits), with its random bits from
    /// <see cref="Random.Shared"/>: a correlation id, not a secret, so it need not cost a call into the system's
    /// cryptographic generator on every request.
    /// </summary>
    internal static string NewRequestId()
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes[6..]);
        var milliseconds = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 5; i >= 0; i--, milliseconds >>= 8)
        {
            bytes[i] = (byte)milliseconds;
        }

        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F)); // version 7
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F)); // RFC 9562 variant
        return new Guid(bytes, bigEndian: true).ToString("N");
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "{Method} {Path} with headers: {Headers}")]
        public static partial void RequestHeaders(ILogger logger, string method, string path, string headers);
    }
}
