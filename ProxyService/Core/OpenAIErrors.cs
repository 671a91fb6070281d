using System.Text.Json.Nodes;

namespace AgentRelay.ProxyService.Core;

/// <summary>Errors in OpenAI's dialect: <c>{"error":{"message","type","code"}}</c>, with the proxy's own status.</summary>
public static class OpenAIErrors
{
    public const string InvalidRequest = "invalid_request_error";
    public const string Server = "server_error";

    /// <summary>The OpenAI <c>error.type</c> for an Anthropic error type.</summary>
    public static string TypeOf(string? anthropicType) => anthropicType switch
    {
        AnthropicErrorTypes.InvalidRequest or AnthropicErrorTypes.RequestTooLarge => InvalidRequest,
        AnthropicErrorTypes.Authentication => "authentication_error",
        AnthropicErrorTypes.Permission => "permission_error",
        AnthropicErrorTypes.NotFound => "not_found_error",
        AnthropicErrorTypes.RateLimit => "rate_limit_error",
        AnthropicErrorTypes.Billing => "insufficient_quota",
        AnthropicErrorTypes.Timeout => "timeout",
        _ => Server,
    };

    /// <summary>The body; <c>code</c> keeps the Anthropic type when it says more than the OpenAI type does.</summary>
    public static JsonObject Body(string anthropicType, string message)
    {
        var type = TypeOf(anthropicType);
        return new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["message"] = message,
                ["type"] = type,
                ["code"] = type == anthropicType ? null : anthropicType,
            },
        };
    }

    public static Task WriteAsync(HttpContext context, int status, string anthropicType, string message) =>
        ErrorBodies.WriteJsonAsync(context, status, Body(anthropicType, message));

    /// <summary>A failure as the whole response, with <c>Retry-After</c> when known; the upstream's message is kept.</summary>
    public static Task WriteFailureAsync(HttpContext context, BackendFailure failure)
    {
        if (failure.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = ((long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return ErrorBodies.WriteJsonAsync(context, failure.Status, FailureBody(failure));
    }

    public static JsonObject FailureBody(BackendFailure failure)
    {
        var error = failure.ToAnthropicBody()["error"] as JsonObject;
        return Body(JsonNodeExtensions.AsString(error?["type"]) ?? failure.Type,
            JsonNodeExtensions.AsString(error?["message"]) ?? failure.Message);
    }
}
