using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace AgentRelay.ProxyService.Core;

/// <summary>Error bodies in the caller's dialect.</summary>
public static class ErrorBodies
{
    /// <summary><c>{"type":"error","error":{"type":…,"message":…}}</c></summary>
    public static JsonObject Anthropic(string type, string message) => new()
    {
        ["type"] = "error",
        ["error"] = new JsonObject { ["type"] = type, ["message"] = message },
    };

    /// <summary>Writes an Anthropic error as the whole response. Only valid before the response has started.</summary>
    public static Task WriteAnthropicAsync(HttpContext context, int status, string type, string message) =>
        WriteJsonAsync(context, status, Anthropic(type, message));

    /// <summary>Writes a failure as the whole response, with <c>Retry-After</c> when the failure knows one.</summary>
    public static Task WriteFailureAsync(HttpContext context, BackendFailure failure)
    {
        if (failure.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = ((long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return WriteJsonAsync(context, failure.Status, failure.ToAnthropicBody());
    }

    public static async Task WriteJsonAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(JsonDefaults.Options), context.RequestAborted);
    }
}
