using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentRelay.Tests.Infrastructure;

/// <summary>
/// A fake Anthropic API on a real loopback port. Each request to <c>/v1/messages</c> (or count_tokens) takes the
/// next scripted reply; with none left it answers a default text reply. Every request is recorded.
/// </summary>
public sealed class FakeAnthropicServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Func<HttpContext, Task>> _replies = new();
    private int _inFlight;

    private FakeAnthropicServer(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = string.Empty;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>The largest number of requests that were being answered at the same time.</summary>
    public int MaxConcurrent { get; private set; }

    /// <summary>Requests whose client went away before the reply finished.</summary>
    public int Aborted;

    /// <summary>What a request gets when nothing is scripted.</summary>
    public Func<HttpContext, Task> DefaultReply { get; set; } = context =>
        context.Request.Path.Value!.EndsWith("/count_tokens", StringComparison.Ordinal)
            ? Replies.Json(200, new JsonObject { ["input_tokens"] = 17 })(context)
            : Replies.Sse(context, AnthropicStreams.Text("Hello from the fake upstream."));

    public static async Task<FakeAnthropicServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new FakeAnthropicServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return server;
    }

    public FakeAnthropicServer Enqueue(Func<HttpContext, Task> reply)
    {
        _replies.Enqueue(reply);
        return this;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var recorded = new RecordedRequest(
            context.Request.Path + context.Request.QueryString,
            context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
            body.Length > 0 ? JsonNode.Parse(body) as JsonObject : null);
        Requests.Enqueue(recorded);
        // A reply that depends on what was asked (several requests may be in flight) finds it here.
        context.Items[typeof(RecordedRequest)] = recorded;

        var now = Interlocked.Increment(ref _inFlight);
        lock (_replies)
        {
            MaxConcurrent = Math.Max(MaxConcurrent, now);
        }

        try
        {
            var reply = _replies.TryDequeue(out var scripted) ? scripted : DefaultReply;
            await reply(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            Interlocked.Increment(ref Aborted);
        }
        catch (IOException) when (context.RequestAborted.IsCancellationRequested)
        {
            Interlocked.Increment(ref Aborted);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One request the fake received.</summary>
public sealed record RecordedRequest(string PathAndQuery, IReadOnlyDictionary<string, string> Headers, JsonObject? Body);
