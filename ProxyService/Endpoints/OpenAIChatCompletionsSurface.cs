using AgentRelay.ProxyService.Core;
using AgentRelay.ProxyService.Responses;
using Microsoft.AspNetCore.Http.Features;

namespace AgentRelay.ProxyService.Endpoints;

/// <summary>
/// The OpenAI Chat Completions API, <c>/v1/chat/completions</c>: the body is translated into a Messages request
/// (<see cref="ChatRequestTranslator"/>) and relayed like any other (gate, retries, adapters); OpenAI errors; the
/// response as OpenAI chunks or one completion.
/// </summary>
public sealed class OpenAIChatCompletionsSurface : ApiSurface
{
    public OpenAIChatCompletionsSurface() => Routes = [new("/v1/chat/completions", CreateChatCompletion)];

    public override string Name => "openai-chat-completions";

    public override ErrorDialect Dialect => ErrorDialect.OpenAI;

    public override IReadOnlyList<ApiRoute> Routes { get; }

    private static async Task CreateChatCompletion(HttpContext context, [AsParameters] MessagesServices services)
    {
        var includeUsage = false;
        var request = await RequestIntake.ReadAsync(context, services, body =>
        {
            var (chat, error) = ChatRequestTranslator.Translate(body);
            includeUsage = chat?.IncludeUsage ?? false;
            return (chat?.AnthropicBody, error);
        });
        if (request is null)
        {
            return;
        }

        var stream = context.Features.GetRequiredFeature<ProxyRequestFeature>().Stream == true;
        var sink = stream ? new OpenAIStreamSink(context, request.Model, includeUsage) : OpenAIJsonSink.Create(context, request.Model);
        await services.Relay.RelayAsync(context, request, sink, context.RequestAborted);
    }
}
