using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Responses;

/// <summary>Which error shape a request's caller speaks, decided by path: OpenAI on <c>/v1/chat/completions</c>, else Anthropic.</summary>
public enum ErrorDialect
{
    Anthropic,
    OpenAI,
}

public static class ErrorDialects
{
    public const string OpenAIChatCompletionsPath = "/v1/chat/completions";

    public static ErrorDialect For(HttpContext context) =>
        context.Request.Path.Equals(OpenAIChatCompletionsPath, StringComparison.OrdinalIgnoreCase) ? ErrorDialect.OpenAI : ErrorDialect.Anthropic;

    /// <summary>Writes a failure as the whole response in the caller's dialect, with <c>Retry-After</c> when it knows one.</summary>
    public static Task WriteFailureAsync(HttpContext context, BackendFailure failure) =>
        For(context) == ErrorDialect.OpenAI ? OpenAIErrors.WriteFailureAsync(context, failure) : ErrorBodies.WriteFailureAsync(context, failure);

    /// <summary>Writes an error as the whole response in the caller's dialect (the type is an Anthropic type).</summary>
    public static Task WriteAsync(HttpContext context, int status, string anthropicType, string message) =>
        For(context) == ErrorDialect.OpenAI
            ? OpenAIErrors.WriteAsync(context, status, anthropicType, message)
            : ErrorBodies.WriteAnthropicAsync(context, status, anthropicType, message);
}
