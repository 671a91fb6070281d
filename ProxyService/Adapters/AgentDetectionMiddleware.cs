using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Adapters;

/// <summary>
/// Detects the calling agent for every API request before anything can refuse it, so that even a 401 carries
/// <c>x-relay-adapter</c> and the telemetry record names the adapter. Detection reads headers only.
/// </summary>
public sealed class AgentDetectionMiddleware(RequestDelegate next, AgentResolver resolver)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Get<ProxyRequestFeature>() is not null)
        {
            resolver.Identify(context);
        }

        return next(context);
    }
}
