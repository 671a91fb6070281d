namespace AgentRelay.ProxyService.Core;

/// <summary>Why a request was refused before any backend saw it.</summary>
public sealed record RequestError(ProxyError Stage, int Status, string Type, string Message)
{
    public static RequestError Invalid(string message) =>
        new(ProxyError.RequestInvalid, StatusCodes.Status400BadRequest, AnthropicErrorTypes.InvalidRequest, message);

    public static RequestError TooLarge(long limit) =>
        new(ProxyError.RequestTooLarge, StatusCodes.Status413RequestEntityTooLarge, AnthropicErrorTypes.RequestTooLarge,
            $"Request body is larger than the proxy's limit of {limit} bytes (Proxy:MaxRequestBodyBytes).");
}
