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

    public static Task Describe(HttpContext context) =>
        ErrorBodies.WriteJsonAsync(context, StatusCodes.Status200OK, new JsonObject
        {
            ["status"] = "ok",
            ["service"] = "agentrelay",
            ["format"] = "anthropic",
            ["endpoints"] = new JsonArray("/v1/messages", "/messages", "/v1/messages/count_tokens", "/v1/models", "/telemetry/requests", "/health", "/alive"),
        });

    public static IResult RecentRequests(RequestLog log, int? limit)
    {
        var take = Math.Clamp(limit ?? DefaultTelemetryLimit, 0, MaxTelemetryLimit);
        return TypedResults.Json(log.Recent(take), TelemetryJsonContext.Default.RequestRecordArray);
    }
}
