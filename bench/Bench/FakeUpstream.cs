using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentRelay.Bench;

/// <summary>
/// A fake Anthropic API on 127.0.0.1, port 0. <c>POST /v1/messages</c> answers a fixed SSE stream (message_start,
/// content_block_start, N text_delta events, content_block_stop, message_delta, message_stop), one flush per event
/// and no delay, or the same message as one JSON body when the request has <c>"stream": false</c>. Everything is
/// rendered once up front so the fake costs the same little for direct and proxied requests.
/// </summary>
public sealed class FakeUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly byte[][] _events;
    private readonly byte[] _json;

    private FakeUpstream(WebApplication app, byte[][] events, byte[] json)
    {
        _app = app;
        _events = events;
        _json = json;
    }

    public string BaseUrl { get; private set; } = string.Empty;

    /// <summary>SSE events in one streamed reply.</summary>
    public int EventCount => _events.Length;

    /// <summary>Bytes of one streamed reply.</summary>
    public int StreamBytes => _events.Sum(e => e.Length);

    /// <summary>The full text of the reply, which a JSON answer (direct or aggregated by the proxy) carries.</summary>
    public string Text { get; private init; } = string.Empty;

    public static async Task<FakeUpstream> StartAsync(int deltas, int deltaChars)
    {
        var pieces = Enumerable.Range(0, deltas).Select(i => $"token {i:D5} lorem ipsum dolor sit amet ".PadRight(deltaChars, '.')[..deltaChars]).ToArray();
        var text = string.Concat(pieces);

        var events = new List<JsonObject>
        {
            new()
            {
                ["type"] = "message_start",
                ["message"] = new JsonObject
                {
                    ["id"] = "msg_bench", ["type"] = "message", ["role"] = "assistant", ["model"] = "claude-sonnet-4-6",
                    ["content"] = new JsonArray(), ["stop_reason"] = null, ["stop_sequence"] = null,
                    ["usage"] = new JsonObject { ["input_tokens"] = 12, ["output_tokens"] = 1 },
                },
            },
            new() { ["type"] = "content_block_start", ["index"] = 0, ["content_block"] = new JsonObject { ["type"] = "text", ["text"] = "" } },
        };
        events.AddRange(pieces.Select(piece => new JsonObject
        {
            ["type"] = "content_block_delta", ["index"] = 0, ["delta"] = new JsonObject { ["type"] = "text_delta", ["text"] = piece },
        }));
        events.Add(new JsonObject { ["type"] = "content_block_stop", ["index"] = 0 });
        events.Add(new JsonObject
        {
            ["type"] = "message_delta",
            ["delta"] = new JsonObject { ["stop_reason"] = "end_turn", ["stop_sequence"] = null },
            ["usage"] = new JsonObject { ["output_tokens"] = deltas },
        });
        events.Add(new JsonObject { ["type"] = "message_stop" });

        var message = new JsonObject
        {
            ["id"] = "msg_bench", ["type"] = "message", ["role"] = "assistant", ["model"] = "claude-sonnet-4-6",
            ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }),
            ["stop_reason"] = "end_turn", ["stop_sequence"] = null,
            ["usage"] = new JsonObject { ["input_tokens"] = 12, ["output_tokens"] = deltas },
        };

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeUpstream(
            app,
            [.. events.Select(e => Encoding.UTF8.GetBytes($"event: {e["type"]}\ndata: {e.ToJsonString()}\n\n"))],
            Encoding.UTF8.GetBytes(message.ToJsonString()))
        {
            Text = text,
        };
        app.MapPost("/v1/messages", fake.HandleAsync);
        await app.StartAsync();
        fake.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return fake;
    }

    private int _rateLimited;

    private async Task HandleAsync(HttpContext context)
    {
        // The soak's retry traffic: every other such request is rate limited, so the proxy retries it.
        if (context.Request.Headers.ContainsKey("x-soak-rate-limit") && Interlocked.Increment(ref _rateLimited) % 2 == 1)
        {
            context.Response.StatusCode = 429;
            context.Response.Headers.RetryAfter = "0";
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"type":"error","error":{"type":"rate_limit_error","message":"soak"}}""", context.RequestAborted);
            return;
        }

        using var request = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        var stream = request.RootElement.TryGetProperty("stream", out var flag) && flag.ValueKind == JsonValueKind.True;
        if (!stream)
        {
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = _json.Length;
            await context.Response.Body.WriteAsync(_json, context.RequestAborted);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        foreach (var item in _events)
        {
            // BodyWriter.WriteAsync flushes: one network write per event, as a real streaming API does.
            await context.Response.BodyWriter.WriteAsync(item, context.RequestAborted);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
