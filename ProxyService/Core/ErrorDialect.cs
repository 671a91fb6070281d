namespace AgentRelay.ProxyService.Core;

/// <summary>
/// The error shape an API surface's callers read: Anthropic's <c>{"type":"error","error":{…}}</c> or OpenAI's
/// <c>{"error":{…}}</c>. The request context puts the surface's dialect in <see cref="ProxyRequestFeature.Dialect"/>;
/// every whole-response error is written through it.
/// </summary>
public sealed class ErrorDialect
{
    private readonly Func<HttpContext, BackendFailure, Task> _writeFailure;

    private ErrorDialect(string name, Func<HttpContext, BackendFailure, Task> writeFailure)
    {
        Name = name;
        _writeFailure = writeFailure;
    }

    /// <summary>The Messages API's shape; also the shape of requests that belong to no surface.</summary>
    public static ErrorDialect Anthropic { get; } = new("anthropic", ErrorBodies.WriteFailureAsync);

    /// <summary>The Chat Completions shape.</summary>
    public static ErrorDialect OpenAI { get; } = new("openai", OpenAIErrors.WriteFailureAsync);

    public string Name { get; }

    /// <summary>Writes a failure as the whole response, with <c>Retry-After</c> when it knows one.</summary>
    public Task WriteFailureAsync(HttpContext context, BackendFailure failure) => _writeFailure(context, failure);

    public override string ToString() => Name;
}
