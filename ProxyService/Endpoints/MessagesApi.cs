using AgentRelay.ProxyService.Backends;
using AgentRelay.ProxyService.Core;
using Microsoft.AspNetCore.Http.Features;

namespace AgentRelay.ProxyService.Endpoints;

/// <summary>The Anthropic Messages API surface: <c>/v1/messages</c>, <c>/messages</c>, <c>/v1/messages/count_tokens</c>.</summary>
public static class MessagesApi
{
    public static IEndpointRouteBuilder MapAnthropicMessagesApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/messages", CreateMessage);
        app.MapPost("/messages", CreateMessage);
        app.MapPost("/v1/messages/count_tokens", CountTokens);
        return app;
    }

    public static async Task CreateMessage(HttpContext context, [AsParameters] MessagesServices services)
    {
        if (await RequestIntake.ReadAsync(context, services) is not { } request)
        {
            return;
        }

        await services.Forwarder.ForwardAsync(context, request, context.RequestAborted);
    }

    public static async Task CountTokens(HttpContext context, [AsParameters] MessagesServices services)
    {
        if (await RequestIntake.ReadAsync(context, services) is not { } request)
        {
            return;
        }

        var feature = context.Features.GetRequiredFeature<ProxyRequestFeature>();
        var upstreamRequest = new BackendRequest(request, BackendHeaders.From(context.Request), feature, NoResponse.Instance)
        {
            QueryString = context.Request.QueryString.Value ?? string.Empty,
        };
        var reply = await services.Upstream.CountTokensAsync(upstreamRequest, context.RequestAborted);
        if (reply.Status >= 400)
        {
            var error = reply.Body["error"] as System.Text.Json.Nodes.JsonObject;
            services.Errors.Report(feature, ProxyError.UpstreamError, JsonNodeExtensions.AsString(error?["type"]) ?? AnthropicErrorTypes.Api,
                JsonNodeExtensions.AsString(error?["message"]) ?? "count_tokens failed", reply.Status);
        }

        await ErrorBodies.WriteJsonAsync(context, reply.Status, reply.Body);
    }

    /// <summary>count_tokens writes no stream, so there is never anything committed to protect.</summary>
    private sealed class NoResponse : IResponseCommitment
    {
        public static readonly NoResponse Instance = new();

        public bool Committed => false;

        public void Reset()
        {
        }
    }
}
