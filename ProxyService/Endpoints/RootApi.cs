using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;
using AgentRelay.ProxyService.Telemetry;

namespace AgentRelay.ProxyService.Endpoints;

/// <summary><c>GET /</c> (what this is) and <c>GET /telemetry/requests</c> (recent requests of this replica).</summary>
public static class RootApi
{
    public const int DefaultTelemetryLimit = 50;
    public const int MaxTelemetryLimit = 500;

    public static IEndpointRouteBuilder MapRootApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", Describe);
        app.MapGet("/telemetry/requests", RecentRequests);
        return app;
    }

    /// <summary>The routes that are not an API surface's, listed after the surfaces' own.</summary>
    private static readonly string[] s_otherPaths = ["/v1/models", "/telemetry/requests", "/health", "/alive"];

    public static Task Describe(HttpContext context, ApiSurfaces surfaces) =>
        ErrorBodies.WriteJsonAsync(context, StatusCodes.Status200OK, new JsonObject
        {
            ["status"] = "ok",
            ["service"] = "agentrelay",
            ["format"] = "anthropic",
            ["endpoints"] = new JsonArray([.. surfaces.Paths.Concat(s_otherPaths).Select(path => (JsonNode)path)]),
        });

    public static IResult RecentRequests(RequestLog log, int? limit)
    {
        var take = Math.Clamp(limit ?? DefaultTelemetryLimit, 0, MaxTelemetryLimit);
        return TypedResults.Json(log.Recent(take), TelemetryJsonContext.Default.RequestRecordArray);
    }
}
