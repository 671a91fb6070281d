using System.Security.Cryptography;
using System.Text;
using AgentRelay.ProxyService.Configuration;
using AgentRelay.ProxyService.Core;
using AgentRelay.ProxyService.Responses;
using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Security;

/// <summary>
/// Enforces <c>Proxy:ApiKey</c> on every route but <c>/</c>, <c>/health</c> and <c>/alive</c>. The key comes from
/// <c>x-api-key</c>, else <c>Authorization: Bearer</c>; the comparison takes the same time whatever the input.
/// Read per request, so a changed key needs no restart.
/// </summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, IOptionsMonitor<ProxyOptions> options, ErrorReporter errors)
{
    private static readonly string[] s_openPaths = ["/", "/health", "/alive"];

    public Task InvokeAsync(HttpContext context)
    {
        var expected = options.CurrentValue.ApiKey;
        if (string.IsNullOrEmpty(expected) || IsOpen(context.Request.Path) || HttpMethods.IsOptions(context.Request.Method) && context.Request.Headers.Origin.Count > 0)
        {
            return next(context);
        }

        return Matches(PresentedKey(context.Request), expected)
            ? next(context)
            : errors.AnswerAsync(context, new BackendFailure(ProxyError.Unauthenticated, StatusCodes.Status401Unauthorized, AnthropicErrorTypes.Authentication,
                "Invalid or missing API key. Send the key configured in Proxy:ApiKey as x-api-key or Authorization: Bearer."));
    }

    internal static string? PresentedKey(HttpRequest request)
    {
        var apiKey = request.Headers["x-api-key"].ToString();
        if (!string.IsNullOrEmpty(apiKey))
        {
            return apiKey;
        }

        var authorization = request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        return authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) ? authorization[bearer.Length..].Trim() : null;
    }

    /// <summary>Hashing first makes both sides the same length, so the fixed-time compare leaks nothing.</summary>
    internal static bool Matches(string? presented, string expected)
    {
        if (presented is null)
        {
            return false;
        }

        var left = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        var right = SHA256.HashData(Encoding.UTF8.GetBytes(expected));
        return CryptographicOperations.FixedTimeEquals(left, right);
    }

    private static bool IsOpen(PathString path) =>
        s_openPaths.Any(open => string.Equals(path.Value, open, StringComparison.OrdinalIgnoreCase));
}
