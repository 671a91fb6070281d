using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Backends.AnthropicApi;

/// <summary>Turns what an HTTP upstream answered into <see cref="BackendFailure"/> values.</summary>
internal static class HttpFailures
{
    /// <summary>An error status, with the upstream's error JSON passed through when it sent one.</summary>
    public static BackendFailure FromResponse(int status, string body, TimeSpan? retryAfter)
    {
        var json = TryParseObject(body);
        var error = json?["error"] as JsonObject;
        var type = error?["type"].AsString() ?? AnthropicErrorTypes.TypeOf(status);
        var message = error?["message"].AsString() ?? $"The upstream answered {status}.";
        var stage = status switch
        {
            429 => ProxyError.UpstreamRateLimited,
            529 or 503 => ProxyError.UpstreamOverloaded,
            401 => ProxyError.UpstreamAuthentication,
            408 or 504 => ProxyError.UpstreamTimedOut,
            _ => BackendFailure.StageOf(type),
        };
        return new BackendFailure(stage, status, type, message) { UpstreamBody = json, RetryAfter = retryAfter };
    }

    /// <summary>An <c>event: error</c> inside an upstream stream.</summary>
    public static BackendFailure FromErrorEvent(JsonObject data)
    {
        var error = data["error"] as JsonObject;
        var type = error?["type"].AsString() ?? AnthropicErrorTypes.Api;
        var message = error?["message"].AsString() ?? "The upstream stream reported an error.";
        return BackendFailure.FromType(type, message, data);
    }

    public static BackendFailure Unreachable(string detail) =>
        new(ProxyError.UpstreamUnreachable, StatusCodes.Status502BadGateway, AnthropicErrorTypes.Api, $"The upstream could not be reached: {detail}");

    public static BackendFailure Protocol(string detail) =>
        new(ProxyError.UpstreamProtocol, StatusCodes.Status502BadGateway, AnthropicErrorTypes.Api, $"The upstream's response could not be read: {detail}");

    /// <summary><c>Retry-After</c> as a delta or a date, clamped at zero (as dotnet/extensions' RetryAfterHelper does).</summary>
    public static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, TimeProvider time)
    {
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    public static JsonObject? TryParseObject(string text)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
