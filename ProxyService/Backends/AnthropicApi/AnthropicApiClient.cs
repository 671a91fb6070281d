using System.Buffers;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Configuration;
using AgentRelay.ProxyService.Core;
using AgentRelay.ProxyService.Security;
using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Backends.AnthropicApi;

/// <summary>
/// <c>Backend:Kind=AnthropicApi</c>: forwards to any Anthropic-compatible API. Always asks upstream for a stream (so
/// SSE and JSON responses come from one event stream), keeps unknown fields, passes error statuses and bodies through.
/// </summary>
public sealed partial class AnthropicApiClient(
    HttpClient http,
    IOptionsMonitor<BackendOptions> backendOptions,
    IOptionsMonitor<ProxyOptions> proxyOptions,
    TimeProvider time,
    SecretRedactor redactor,
    ILogger<AnthropicApiClient> logger) : IBackendClient
{
    /// <summary>The name of the HttpClient, which has no standard resilience handler.</summary>
    public const string HttpClientName = "anthropic-upstream";

    private const string DefaultAnthropicVersion = "2023-06-01";
    private const int MaxErrorBodyChars = 64 * 1024;

    public async IAsyncEnumerable<BackendEvent> StreamAsync(BackendRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var message = CreateRequest("/v1/messages" + request.QueryString, request.Message.Body, request.Headers, forceStream: true);

        // :: Step 1: send, reading only the headers so the body can stream through.
        var (response, sendFailure) = await SendAsync(message, cancellationToken);
        if (sendFailure is not null)
        {
            yield return sendFailure;
            yield break;
        }

        using (response)
        {
            // :: Step 2: an error status is passed through with the upstream's own body.
            if (!response!.IsSuccessStatusCode)
            {
                yield return await ReadFailureAsync(response, cancellationToken);
                yield break;
            }

            // :: Step 3: an upstream that answered JSON anyway is turned into the events it stands for.
            if (response.Content.Headers.ContentType?.MediaType == "application/json")
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                if (HttpFailures.TryParseObject(text) is not { } completed)
                {
                    yield return HttpFailures.Protocol("the JSON body is not an object");
                    yield break;
                }

                foreach (var streamEvent in MessageEvents.FromMessage(completed))
                {
                    yield return streamEvent;
                }

                yield break;
            }

            // :: Step 4: relay SSE events one by one, never buffering the stream.
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var events = new UpstreamEvents(stream);
            while (await events.NextAsync(cancellationToken) is { } item)
            {
                yield return item;
                if (item is BackendFailure)
                {
                    yield break;
                }
            }
        }
    }

    public async Task<JsonReply> CountTokensAsync(BackendRequest request, CancellationToken cancellationToken)
    {
        using var message = CreateRequest("/v1/messages/count_tokens" + request.QueryString, request.Message.Body, request.Headers);
        var (response, failure) = await SendAsync(message, cancellationToken);
        if (failure is not null)
        {
            return new JsonReply(failure.Status, failure.ToAnthropicBody());
        }

        using (response)
        {
            if (!response!.IsSuccessStatusCode)
            {
                var error = await ReadFailureAsync(response, cancellationToken);
                return new JsonReply(error.Status, error.ToAnthropicBody());
            }

            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            return HttpFailures.TryParseObject(text) is { } json
                ? new JsonReply(StatusCodes.Status200OK, json)
                : new JsonReply(StatusCodes.Status502BadGateway, HttpFailures.Protocol("count_tokens did not answer a JSON object").ToAnthropicBody());
        }
    }

    /// <param name="forceStream">Ask for a stream whatever the client asked (<c>"stream": true</c> in the body sent).</param>
    private HttpRequestMessage CreateRequest(string pathAndQuery, JsonObject body, BackendHeaders headers, bool forceStream = false)
    {
        var options = backendOptions.CurrentValue;
        var baseUrl = options.BaseUrl!.TrimEnd('/');
        var message = new HttpRequestMessage(HttpMethod.Post, baseUrl + pathAndQuery)
        {
            Content = JsonBody(body, forceStream),
        };
        message.Headers.TryAddWithoutValidation("anthropic-version", headers.AnthropicVersion ?? DefaultAnthropicVersion);
        if (headers.AnthropicBeta is { } beta)
        {
            message.Headers.TryAddWithoutValidation("anthropic-beta", beta);
        }

        if (!string.IsNullOrEmpty(options.ApiKey))
        {
            message.Headers.TryAddWithoutValidation("x-api-key", options.ApiKey);
        }
        else if (string.IsNullOrEmpty(proxyOptions.CurrentValue.ApiKey))
        {
            // A transparent proxy: with no key of its own and none guarding it, the client's credentials go upstream.
            // When Proxy:ApiKey is set, the client's credential is the proxy's key and must never leave.
            if (headers.ApiKey is { } apiKey)
            {
                message.Headers.TryAddWithoutValidation("x-api-key", apiKey);
            }
            else if (headers.Authorization is { } authorization)
            {
                message.Headers.TryAddWithoutValidation("authorization", authorization);
            }
        }

        return message;
    }

    /// <summary>The body as UTF-8 straight from the client's JSON tree: no copy of the tree, no string in between.</summary>
    private static ReadOnlyMemoryContent JsonBody(JsonObject body, bool forceStream)
    {
        var output = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(output, JsonWire.WriterOptions))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in body)
            {
                writer.WritePropertyName(name);
                if (forceStream && name == "stream")
                {
                    writer.WriteBooleanValue(true);
                    forceStream = false;
                }
                else if (value is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    value.WriteTo(writer, JsonDefaults.Options);
                }
            }

            if (forceStream)
            {
                writer.WriteBoolean("stream", true);
            }

            writer.WriteEndObject();
        }

        var content = new ReadOnlyMemoryContent(output.WrittenMemory);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    private async Task<(HttpResponseMessage? Response, BackendFailure? Failure)> SendAsync(HttpRequestMessage message, CancellationToken cancellationToken)
    {
        try
        {
            return (await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken), null);
        }
        catch (HttpRequestException exception)
        {
            Log.UpstreamUnreachable(logger, message.RequestUri?.GetLeftPart(UriPartial.Authority), exception.Message);
            return (null, HttpFailures.Unreachable(exception.HttpRequestError.ToString()));
        }
    }

    private async Task<BackendFailure> ReadFailureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        // Error text goes to the client and the log; an upstream that echoes a credential must not leak it.
        var text = redactor.Redact(await response.Content.ReadAsStringAsync(cancellationToken));
        if (text.Length > MaxErrorBodyChars)
        {
            text = text[..MaxErrorBodyChars];
        }

        var status = (int)response.StatusCode;
        if (proxyOptions.CurrentValue.Debug)
        {
            Log.UpstreamErrorBody(logger, status, text);
        }

        return HttpFailures.FromResponse(status, text, HttpFailures.RetryAfter(response.Headers.RetryAfter, time));
    }

    /// <summary>
    /// The upstream's SSE events as backend events. Each event's data is checked to be one JSON object without building a
    /// DOM; it is parsed later only if read. The events borrow the reader's pooled buffer, and one event object is
    /// refilled: each is valid until the next one is asked for. (A method returning a value task rather than an iterator
    /// of its own: one less asynchronous layer for every event of every stream.)
    /// </summary>
    private sealed class UpstreamEvents(Stream stream) : IDisposable
    {
        private readonly SseEventReader _reader = new(stream);
        private MessageStreamEvent? _borrowed;
        private bool _done;

        /// <summary>The next event, or a failure (after which there is nothing more), or null at the end.</summary>
        public async ValueTask<BackendEvent?> NextAsync(CancellationToken cancellationToken)
        {
            while (!_done)
            {
                try
                {
                    if (!await _reader.ReadAsync(cancellationToken))
                    {
                        _done = true;
                        return null;
                    }
                }
                catch (Exception exception) when (exception is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
                {
                    return Fail(HttpFailures.Unreachable($"the stream broke ({exception.GetType().Name})"));
                }

                if (Current() is { } item)
                {
                    return item;
                }
            }

            return null;
        }

        public void Dispose() => _reader.Dispose();

        /// <summary>The event just read, a failure, or null for an event without data (skipped).</summary>
        private BackendEvent? Current()
        {
            var data = _reader.Data;
            if (data.IsEmpty)
            {
                return null;
            }

            if (!IsJsonObject(data.Span))
            {
                return Fail(HttpFailures.Protocol($"event '{_reader.EventName ?? "message"}' has no JSON object"));
            }

            // Anthropic names every event in its "event:" line; a nameless one is named by its JSON's "type".
            var type = _reader.EventName is { Length: > 0 } and not "message" ? _reader.EventName : JsonNode.Parse(data.Span)!["type"].AsString();
            if (type is null)
            {
                return Fail(HttpFailures.Protocol("an event has neither a name nor a type"));
            }

            var streamEvent = _borrowed?.Refill(type, data) ?? (_borrowed = MessageStreamEvent.Borrow(type, data, _reader.Version));
            return streamEvent.Type == StreamEventTypes.Error ? Fail(HttpFailures.FromErrorEvent(streamEvent.Data)) : streamEvent;
        }

        private BackendFailure Fail(BackendFailure failure)
        {
            _done = true;
            return failure;
        }
    }

    /// <summary>Whether the bytes are exactly one JSON object, checked by a forward-only reader that allocates nothing.</summary>
    internal static bool IsJsonObject(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Upstream {Origin} could not be reached: {Reason}")]
        public static partial void UpstreamUnreachable(ILogger logger, string? origin, string reason);

        [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Upstream answered {Status}: {Body}")]
        public static partial void UpstreamErrorBody(ILogger logger, int status, string body);
    }
}
