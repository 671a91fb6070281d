namespace AgentRelay.ProxyService.Core;

/// <summary>The <c>error.type</c> values of the Anthropic API and the status each goes with.</summary>
public static class AnthropicErrorTypes
{
    public const string InvalidRequest = "invalid_request_error";
    public const string Authentication = "authentication_error";
    public const string Billing = "billing_error";
    public const string Permission = "permission_error";
    public const string NotFound = "not_found_error";
    public const string RequestTooLarge = "request_too_large";
    public const string RateLimit = "rate_limit_error";
    public const string Api = "api_error";
    public const string Timeout = "timeout_error";
    public const string Overloaded = "overloaded_error";

    /// <summary>The HTTP status that the Anthropic API uses for an error type.</summary>
    public static int StatusOf(string? type) => type switch
    {
        InvalidRequest => 400,
        Authentication => 401,
        Billing => 402,
        Permission => 403,
        NotFound => 404,
        RequestTooLarge => 413,
        RateLimit => 429,
        Timeout => 504,
        Overloaded => 529,
        _ => 500,
    };

    /// <summary>The error type for an HTTP status, for upstream errors that came without a usable body.</summary>
    public static string TypeOf(int status) => status switch
    {
        400 or 405 or 422 => InvalidRequest,
        401 => Authentication,
        402 => Billing,
        403 => Permission,
        404 => NotFound,
        413 => RequestTooLarge,
        429 => RateLimit,
        504 or 408 => Timeout,
        529 or 503 => Overloaded,
        _ => Api,
    };
}
