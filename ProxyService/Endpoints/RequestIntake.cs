using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Adapters;
using AgentRelay.ProxyService.Core;
using AgentRelay.ProxyService.Responses;
using Microsoft.AspNetCore.Http.Features;

namespace AgentRelay.ProxyService.Endpoints;

/// <summary>
/// The first steps every API surface shares: read the body within the limit, translate it into a Messages body
/// (surfaces in another dialect), validate it, and apply the detected adapter. A bad request gets its error in the
/// caller's dialect and yields <see langword="null"/>.
/// </summary>
internal static class RequestIntake
{
    /// <param name="translate">Turns the client's body into a Messages body, or returns why it cannot.</param>
    public static async Task<MessagesRequest?> ReadAsync(
        HttpContext context,
        MessagesServices services,
        Func<JsonObject, (JsonObject? Body, string? Error)>? translate = null)
    {
        var feature = context.Features.GetRequiredFeature<ProxyRequestFeature>();
        var (body, error) = await RequestBodyReader.ReadObjectAsync(context.Request, services.Options.CurrentValue.MaxRequestBodyBytes, context.RequestAborted);
        if (error is null && translate is not null)
        {
            (body, var translationError) = translate(body!);
            error = translationError is null ? null : BackendFailure.InvalidRequest(translationError);
        }

        error ??= MessagesRequestValidator.Validate(body!);
        if (error is not null)
        {
            await services.Errors.AnswerAsync(context, error);
            return null;
        }

        var request = new MessagesRequest(body!);
        feature.Model = request.Model;
        services.Agents.Apply(context, request);
        return request;
    }
}
