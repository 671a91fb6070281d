using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;
using Microsoft.AspNetCore.Http.Features;

namespace AgentRelay.ProxyService.Endpoints;

/// <summary>Reads a JSON object body within the size limit, whatever server hosts the proxy.</summary>
public static class RequestBodyReader
{
    private const int MaxDepth = 256;

    public static async Task<(JsonObject? Body, BackendFailure? Error)> ReadObjectAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return (null, BackendFailure.TooLarge(limit));
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit;
        }

        // Sized from Content-Length when the client sent one (no doubling and copying as it grows; at most 1 MiB up
        // front, so a client announcing a large body it never sends costs nothing), and the read chunk is pooled.
        using var buffer = new MemoryStream(request.ContentLength is { } length ? (int)Math.Min(length, 1 << 20) : 0);
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return (null, BackendFailure.TooLarge(limit));
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, BackendFailure.TooLarge(limit));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        if (buffer.Length == 0)
        {
            return (null, BackendFailure.InvalidRequest("Request body is empty; expected a JSON object."));
        }

        try
        {
            var json = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
            var node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = MaxDepth });
            if (node is not JsonObject body)
            {
                return (null, BackendFailure.InvalidRequest($"Request body must be a JSON object, not {Describe(node)}."));
            }

            return JsonTextCheck.FindInvalidString(json, MaxDepth) is { } field
                ? (null, BackendFailure.InvalidRequest($"{field}: the text is not valid Unicode (invalid UTF-8 bytes or an unpaired surrogate escape such as \\uD800)."))
                : (body, null);
        }
        catch (JsonException exception)
        {
            return (null, BackendFailure.InvalidRequest($"Request body is not valid JSON: {exception.Message}"));
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
