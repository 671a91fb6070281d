using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;
using AgentRelay.ProxyService.Security;

namespace AgentRelay.ProxyService.Backends.ClaudeCli;

/// <summary>
/// Classifies what went wrong in a CLI run. Structured data first: the <c>result</c> message (<c>is_error</c>,
/// <c>subtype</c>, <c>api_error_status</c>), the synthetic API-error assistant message (<c>error</c>,
/// <c>api_error_type</c>), the exit code. Text matching is only the fallback when none of these says anything.
/// </summary>
public static class CliFailures
{
    public const string InstallCommand = "npm install -g @anthropic-ai/claude-code";

    private const string LoginHint = "Run `claude login` on the proxy host (or give the CLI an API key through Backend:Environment), then try again.";

    private static readonly HashSet<string> s_authenticationCodes = new(StringComparer.Ordinal)
    {
        "authentication_failed", "oauth_org_not_allowed", "verification_required", "cloud_credential_error",
    };

    /// <summary>What the CLI says when the session to resume is not there (or not whole): PROXY-SPEC §3.9.</summary>
    private static readonly string[] s_staleSession =
    [
        "No message found with message.uuid", "No conversation found with session ID", "No conversation found to continue", "No conversations found to resume",
    ];

    /// <summary>Whether a failed <c>result</c> says the resumed session does not exist (then a fresh transcript may work).</summary>
    public static bool IsStaleSession(JsonObject result)
    {
        var texts = (result["errors"] as JsonArray ?? []).Select(e => e.AsString()).Append(result["result"].AsString());
        return texts.Any(text => text is not null && s_staleSession.Any(phrase => text.Contains(phrase, StringComparison.Ordinal)));
    }

    /// <summary>The failure a <c>result</c> reports, or <see langword="null"/> for a successful one.</summary>
    /// <param name="result">The CLI's <c>result</c> message.</param>
    /// <param name="apiError">The last assistant message the CLI marked <c>is_api_error_message</c>, if any.</param>
    public static BackendFailure? FromResult(JsonObject result, JsonObject? apiError)
    {
        var subtype = result["subtype"].AsString();
        var isError = result["is_error"] is JsonValue flag && flag.TryGetValue<bool>(out var value) && value;
        if (!isError && subtype == StreamJson.Subtypes.Success)
        {
            return null;
        }

        var status = JsonNumbers.Int(result["api_error_status"]) ?? JsonNumbers.Int(apiError?["api_error_status"]);
        var code = apiError?["error"].AsString();
        var type = apiError?["api_error_type"].AsString();
        var message = Message(result, apiError);

        if ((code is not null && s_authenticationCodes.Contains(code)) || status == 401)
        {
            return Authentication(message);
        }

        if (status == 429 || code == "rate_limit" || type == AnthropicErrorTypes.RateLimit)
        {
            return new BackendFailure(ProxyError.UpstreamRateLimited, 429, AnthropicErrorTypes.RateLimit, $"Claude rate limit reached: {message}");
        }

        if (status is 529 or 503 || code == "overloaded" || type == AnthropicErrorTypes.Overloaded)
        {
            return new BackendFailure(ProxyError.UpstreamOverloaded, 529, AnthropicErrorTypes.Overloaded, $"Claude is overloaded: {message}");
        }

        if (status is 408 or 504 || type == AnthropicErrorTypes.Timeout)
        {
            return Timeout(message);
        }

        if (code == "account_on_hold" || status == 403)
        {
            return new BackendFailure(ProxyError.UpstreamError, 403, AnthropicErrorTypes.Permission, message);
        }

        if (code == "billing_error" || status == 402)
        {
            return new BackendFailure(ProxyError.UpstreamError, 402, AnthropicErrorTypes.Billing, message);
        }

        if (code == "model_not_found" || status == 404)
        {
            return new BackendFailure(ProxyError.UpstreamError, 404, AnthropicErrorTypes.NotFound, message);
        }

        if (status is { } known and >= 400 and < 600)
        {
            var errorType = type ?? AnthropicErrorTypes.TypeOf(known);
            return new BackendFailure(BackendFailure.StageOf(errorType), known, errorType, message);
        }

        if (code == "invalid_request" || type == AnthropicErrorTypes.InvalidRequest)
        {
            return new BackendFailure(ProxyError.UpstreamError, 400, AnthropicErrorTypes.InvalidRequest, message);
        }

        if (subtype == StreamJson.Subtypes.ErrorMaxTurns)
        {
            return new BackendFailure(ProxyError.UpstreamError, 500, AnthropicErrorTypes.Api,
                $"The Claude CLI stopped after its maximum number of turns ({CliInvocation.MaxTurns}).");
        }

        return FromText(message) ?? new BackendFailure(ProxyError.UpstreamError, 502, AnthropicErrorTypes.Api, $"The Claude CLI reported an error: {message}");
    }

    /// <summary>The CLI ended without a <c>result</c>: its exit code and stderr are all there is.</summary>
    public static BackendFailure FromExit(int? exitCode, string stderr)
    {
        var detail = string.IsNullOrWhiteSpace(stderr) ? "no output on stderr" : Truncate(stderr, 1000);
        // A command-line parser error ("error: unknown option", "error: option '--x <v>' argument 'y' is invalid"):
        // the request asked for something this CLI does not take. A request-shape problem, never an authentication one.
        if (stderr.StartsWith("error: ", StringComparison.Ordinal) || stderr.Contains("\nerror: ", StringComparison.Ordinal))
        {
            return new BackendFailure(ProxyError.UpstreamError, 400, AnthropicErrorTypes.InvalidRequest,
                $"The Claude CLI rejected the request's options: {detail}");
        }

        if (FromText(stderr) is { } classified)
        {
            return classified;
        }

        return new BackendFailure(ProxyError.UpstreamError, 502, AnthropicErrorTypes.Api,
            $"The Claude CLI exited (code {(exitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown")}) before it answered: {detail}");
    }

    /// <summary>The configured CLI cannot be started at all.</summary>
    public static BackendFailure NotInstalled(string path, string reason) =>
        new(ProxyError.BackendUnavailable, 503, AnthropicErrorTypes.Api,
            $"The Claude CLI could not be started ('{path}': {reason}). Install it with `{InstallCommand}`, or set Backend:ClaudePath to its location.");

    /// <summary>Last resort, for messages that came without any structured data.</summary>
    public static BackendFailure? FromText(string text)
    {
        var lower = text.ToLowerInvariant();
        if (lower.Contains("not logged in") || lower.Contains("please run /login") || lower.Contains("invalid api key") || lower.Contains("oauth token has expired"))
        {
            return Authentication(Truncate(text, 500));
        }

        if (lower.Contains("rate limit") || lower.Contains("too many requests"))
        {
            return new BackendFailure(ProxyError.UpstreamRateLimited, 429, AnthropicErrorTypes.RateLimit, $"Claude rate limit reached: {Truncate(text, 500)}");
        }

        if (lower.Contains("overloaded"))
        {
            return new BackendFailure(ProxyError.UpstreamOverloaded, 529, AnthropicErrorTypes.Overloaded, $"Claude is overloaded: {Truncate(text, 500)}");
        }

        if (lower.Contains("timed out") || lower.Contains("timeout"))
        {
            return Timeout(Truncate(text, 500));
        }

        return null;
    }

    private static BackendFailure Authentication(string detail) =>
        new(ProxyError.UpstreamAuthentication, 401, AnthropicErrorTypes.Authentication, $"The Claude CLI is not authenticated ({detail}). {LoginHint}");

    private static BackendFailure Timeout(string detail) =>
        new(ProxyError.UpstreamTimedOut, 504, AnthropicErrorTypes.Timeout, $"The request to Claude timed out: {detail}");

    private static string Message(JsonObject result, JsonObject? apiError)
    {
        if (result["result"].AsString() is { Length: > 0 } text)
        {
            return Truncate(text, 1000);
        }

        if (apiError?["message"]?["content"] is JsonArray content
            && string.Join(" ", content.OfType<JsonObject>().Select(b => b["text"].AsString()).Where(t => t is not null)) is { Length: > 0 } apiText)
        {
            return Truncate(apiText, 1000);
        }

        if (result["errors"] is JsonArray errors && errors.Count > 0)
        {
            return Truncate(string.Join("; ", errors.Select(e => e.AsString()).Where(e => e is not null)), 1000);
        }

        return $"result {result["subtype"].AsString() ?? "unknown"}";
    }

    private static string Truncate(string text, int max) => SecretRedactor.RedactPatterns(text.Length <= max ? text.Trim() : text[..max].Trim() + "…");
}
