using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRelay.Tests.Adapters;

/// <summary>
/// The proxy on a real Kestrel socket on 127.0.0.1 (port 0) in front of a <see cref="FakeAnthropicServer"/>: what a
/// client on this machine would talk to.
/// </summary>
public sealed class KestrelProxy : IAsyncDisposable
{
    private KestrelProxy(FakeAnthropicServer upstream, ProxyFactory factory, HttpClient client)
    {
        Upstream = upstream;
        Factory = factory;
        Client = client;
    }

    public FakeAnthropicServer Upstream { get; }

    public ProxyFactory Factory { get; }

    /// <summary>A plain HttpClient on the proxy's real address.</summary>
    public HttpClient Client { get; }

    public Uri BaseAddress => Client.BaseAddress!;

    public static async Task<KestrelProxy> StartAsync(Action<IServiceCollection>? configureServices = null, params (string Key, string? Value)[] settings)
    {
        var upstream = await FakeAnthropicServer.StartAsync();
        var all = new Dictionary<string, string?>
        {
            ["Backend:Kind"] = "AnthropicApi",
            ["Backend:BaseUrl"] = upstream.BaseUrl,
            ["urls"] = "http://127.0.0.1:0",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        var factory = new ProxyFactory(all, configureServices);
        factory.UseKestrel();
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Assert.StartsWith("http://127.0.0.1:", address);
        return new KestrelProxy(upstream, factory, new HttpClient { BaseAddress = new Uri(address) });
    }

    /// <summary>The <c>/telemetry/requests</c> record of one request, by its <c>x-relay-request-id</c>.</summary>
    public async Task<JsonObject> RecordAsync(HttpResponseMessage response)
    {
        var id = response.Headers.GetValues("x-relay-request-id").Single();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            var records = JsonNode.Parse(await Client.GetStringAsync("/telemetry/requests?limit=50", TestContext.Current.CancellationToken))!.AsArray();
            if (records.OfType<JsonObject>().FirstOrDefault(record => record["requestId"]?.GetValue<string>() == id) is { } found)
            {
                return found;
            }

            // The record is written when the request's middleware finishes, which can trail the last byte.
            Assert.True(DateTime.UtcNow < deadline, $"No telemetry record for request {id}.");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
        await Upstream.DisposeAsync();
    }
}
