using AgentRelay.ProxyService.Adapters;
using AgentRelay.ProxyService.Errors;
using AgentRelay.ProxyService.Messages;
using AgentRelay.ProxyService.OpenAI;
using AgentRelay.ProxyService.Pipeline;
using AgentRelay.ProxyService.Streaming;
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
        var feature = context.Features.GetRequiredFeature<ProxyRequestFeature>();
        var (body, error) = await RequestBodyReader.ReadObjectAsync(context.Request, services.Options.CurrentValue.MaxRequestBodyBytes, context.RequestAborted);
        ChatRequest? chat = null;
        if (error is null)
        {
            (chat, var message) = ChatRequestTranslator.Translate(body!);
            error = message is not null ? RequestError.Invalid(message) : MessagesRequestValidator.Validate(chat!.AnthropicBody);
        }

        if (error is not null)
        {
            services.Errors.Report(feature, error.Stage, error.Type, error.Message, error.Status);
            await OpenAIErrors.WriteAsync(context, error.Status, error.Type, error.Message);
            return;
        }

        var request = new MessagesRequest(chat!.AnthropicBody);
        feature.Model = request.Model;
        services.Agents.Apply(context, context.Features.GetRequiredFeature<AgentAdapterFeature>().Adapter, request);
        var model = request.Model;
        await services.Forwarder.ForwardAsync(context, request, context.RequestAborted, (http, r) =>
            r.Stream ? new OpenAIStreamSink(http, model, chat.IncludeUsage) : OpenAIJsonSink.Create(http, model));
    }
}
