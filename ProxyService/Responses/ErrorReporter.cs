using System.Diagnostics;
using AgentRelay.ProxyService.Core;
using AgentRelay.ProxyService.Telemetry;

namespace AgentRelay.ProxyService.Responses;

/// <summary>
/// The one place a request's failure is reported (YARP's ReportProxyError): the feature, the log, and
/// <c>error.type</c> on the request span. Every error answered as a whole response (400, 401, 404, 405, 413, 429,
/// 5xx) goes through <see cref="AnswerAsync"/>, which reports it and writes it in the caller's dialect; a failure
/// inside a started response is reported here and written by its sink.
/// </summary>
public sealed partial class ErrorReporter(ILogger<ErrorReporter> logger)
{
    public void Report(ProxyRequestFeature feature, ProxyError stage, string errorType, string message, int status)
    {
        if (feature.Error == ProxyError.None)
        {
            feature.Error = stage;
            feature.ErrorType = errorType;
        }

        if (feature.Activity is { } activity)
        {
            activity.SetTag(TelemetryNames.Error.Type, errorType);
            activity.SetStatus(ActivityStatusCode.Error, stage.ToString());
        }

        if (status >= 500 || stage is ProxyError.UpstreamRateLimited or ProxyError.UpstreamOverloaded or ProxyError.ConcurrencyLimitReached)
        {
            Log.RequestFailed(logger, stage, status, errorType, message);
        }
        else
        {
            Log.RequestRefused(logger, stage, status, errorType, message);
        }
    }

    public void Report(ProxyRequestFeature feature, BackendFailure failure) =>
        Report(feature, failure.Stage, failure.Type, failure.Message, failure.Status);

    /// <summary>Reports the failure (on the request's feature when it is an API request) and writes it as the whole response.</summary>
    public Task AnswerAsync(HttpContext context, BackendFailure failure)
    {
        var feature = context.Features.Get<ProxyRequestFeature>();
        if (feature is not null)
        {
            Report(feature, failure);
        }
        else if (failure.Status >= 500)
        {
            Log.RequestFailed(logger, failure.Stage, failure.Status, failure.Type, failure.Message);
        }

        // The surface's dialect; requests outside every API surface (an unknown path) are answered in Anthropic's shape.
        return (feature?.Dialect ?? ErrorDialect.Anthropic).WriteFailureAsync(context, failure);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Request failed at {Stage}: {Status} {ErrorType}: {Message}")]
        public static partial void RequestFailed(ILogger logger, ProxyError stage, int status, string errorType, string message);

        [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Request refused at {Stage}: {Status} {ErrorType}: {Message}")]
        public static partial void RequestRefused(ILogger logger, ProxyError stage, int status, string errorType, string message);
    }
}
