using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;
using Microsoft.AspNetCore.Http.Features;

namespace AgentRelay.ProxyService.Endpoints;

/// <summary>Reads a JSON object body within the size limit, whatever server hosts the proxy.</summary>
public static class RequestBodyReader
{
    private const int MaxDepth = 256;

    public static async Task<(JsonObject? Body, RequestError? Error)> ReadObjectAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return (null, RequestError.TooLarge(limit));
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return (null, RequestError.TooLarge(limit));
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, RequestError.TooLarge(limit));
        }

        if (buffer.Length == 0)
        {
            return (null, RequestError.Invalid("Request body is empty; expected a JSON object."));
        }

        try
        {
            var json = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
            var node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = MaxDepth });
            if (node is not JsonObject body)
            {
                return (null, RequestError.Invalid($"Request body must be a JSON object, not {Describe(node)}."));
            }

            return JsonTextCheck.FindInvalidString(json, MaxDepth) is { } field
                ? (null, RequestError.Invalid($"{field}: the text is not valid Unicode (invalid UTF-8 bytes or an unpaired surrogate escape such as \\uD800)."))
                : (body, null);
        }
        catch (JsonException exception)
        {
            return (null, RequestError.Invalid($"Request body is not valid JSON: {exception.Message}"));
        }
    }

    internal static string Describe(JsonNode? node) => node?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "an object",
    };
}
