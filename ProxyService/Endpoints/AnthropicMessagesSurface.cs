using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Backends;
using AgentRelay.ProxyService.Core;
using AgentRelay.ProxyService.Responses;
using Microsoft.AspNetCore.Http.Features;

namespace AgentRelay.ProxyService.Endpoints;

/// <summary>
/// The Anthropic Messages API: <c>/v1/messages</c> and <c>/messages</c> (the body is already a Messages request),
/// <c>/v1/messages/count_tokens</c>; Anthropic errors; the response as Anthropic SSE or one JSON message.
/// </summary>
public sealed class AnthropicMessagesSurface : ApiSurface
{
    public AnthropicMessagesSurface() =>
        Routes = [new("/v1/messages", CreateMessage), new("/messages", CreateMessage), new("/v1/messages/count_tokens", CountTokens)];

    public override string Name => "anthropic-messages";

    public override ErrorDialect Dialect => ErrorDialect.Anthropic;

    public override IReadOnlyList<ApiRoute> Routes { get; }

    private static async Task CreateMessage(HttpContext context, [AsParameters] MessagesServices services)
    {
        if (await RequestIntake.ReadAsync(context, services) is not { } request)
        {
            return;
        }

        var stream = context.Features.GetRequiredFeature<ProxyRequestFeature>().Stream == true;
        IResponseSink sink = stream ? new SseResponseSink(context) : new JsonResponseSink(context);
        await services.Relay.RelayAsync(context, request, sink, context.RequestAborted);
    }

    private static async Task CountTokens(HttpContext context, [AsParameters] MessagesServices services)
    {
        if (await RequestIntake.ReadAsync(context, services) is not { } request)
        {
            return;
        }

        var feature = context.Features.GetRequiredFeature<ProxyRequestFeature>();
        var backendRequest = new BackendRequest(request, BackendHeaders.From(context.Request), feature, NoResponse.Instance)
        {
            QueryString = context.Request.QueryString.Value ?? string.Empty,
        };
        var reply = await services.Backend.CountTokensAsync(backendRequest, context.RequestAborted);
        if (reply.Status >= 400)
        {
            // The backend's own error body goes back unchanged; it is reported like every other failure.
            var error = reply.Body["error"] as JsonObject;
            services.Errors.Report(feature, ProxyError.UpstreamError, error?["type"].AsString() ?? AnthropicErrorTypes.Api,
                error?["message"].AsString() ?? "count_tokens failed", reply.Status);
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
