using AgentRelay.ProxyService.Core;
using AgentRelay.ProxyService.Responses;
using Microsoft.AspNetCore.Http.Features;

namespace AgentRelay.ProxyService.Endpoints;

/// <summary>
/// The OpenAI Chat Completions surface, <c>/v1/chat/completions</c>: the body is translated into a Messages request,
/// forwarded like any other (gate, retries, adapters), and the events are written as OpenAI chunks or one completion.
/// Errors are in OpenAI's shape.
/// </summary>
public static class OpenAIChatCompletionsApi
{
    public static IEndpointRouteBuilder MapOpenAIChatCompletionsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(ErrorDialects.OpenAIChatCompletionsPath, CreateChatCompletion);
        return app;
    }

    public static async Task CreateChatCompletion(HttpContext context, [AsParameters] MessagesServices services)
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

        var model = request.Model;
        await services.Forwarder.ForwardAsync(context, request, context.RequestAborted, (http, r) =>
            http.Features.GetRequiredFeature<ProxyRequestFeature>().Stream == true ? new OpenAIStreamSink(http, model, includeUsage) : OpenAIJsonSink.Create(http, model));
    }
}
