extern alias FrontDoorAssembly;

using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Backends.ClaudeCli;
using AgentRelay.Tests.Infrastructure;
using FrontDoorAssembly::AgentRelay.FrontDoor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace AgentRelay.Tests.FrontDoor;

/// <summary>
/// The real front door (YARP with <see cref="ReplicaLoadBalancingPolicy"/>, its own configuration code) on a loopback
/// port before two proxy replicas with the real <c>claude</c> CLI and the fake Anthropic API: a conversation stays on
/// one replica and its second turn is served by the same warm process; when that replica goes away the conversation
/// continues on the other one, on the cold path.
/// </summary>
public sealed class FrontDoorAffinityTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_conversation_stays_on_one_replica_warm_and_continues_cold_on_the_other_when_its_replica_goes_away()
    {
        var replicas = new[] { await RealCliProxy.StartAsync(), await RealCliProxy.StartAsync() };
        var running = replicas.ToList();
        try
        {
            foreach (var replica in replicas)
            {
                replica.Upstream.DefaultReply = Replies.SseReply(AnthropicStreams.Text("An answer."));
            }

            await using var frontDoor = await StartFrontDoorAsync(replicas);
            using var http = new HttpClient { BaseAddress = new Uri(frontDoor.Urls.First()), Timeout = TimeSpan.FromSeconds(90) };

            // Turn 1 starts a CLI process on the replica the session hashes to, and nothing on the other.
            var conversation = new JsonArray(User("the first question"));
            Assert.Equal("An answer.", await SendAsync(http, "ses_affinity", conversation));
            var owner = Assert.Single(replicas, replica => replica.Warm.Pids.Count > 0);
            var other = Assert.Single(replicas, replica => replica != owner);
            var pid = Assert.Single(owner.Warm.Pids);

            // Turn 2 reaches the same replica and is written into the same live process.
            conversation.Add(Assistant("An answer."));
            conversation.Add(User("the second question"));
            Assert.Equal("An answer.", await SendAsync(http, "ses_affinity", conversation));
            Assert.Equal([pid], owner.Warm.Pids);
            Assert.Equal(["cold", "warm"], await RuntimesAsync(owner));
            Assert.Empty(await RuntimesAsync(other));
            Assert.Empty(other.Upstream.Requests);

            // Requests without a session header still reach both replicas.
            for (var round = 0; round < 4; round++)
            {
                using var plain = await http.PostAsync("/v1/messages", Json(Body(new JsonArray(User("no session")))), Cancel);
                Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
            }

            Assert.NotEmpty(await RuntimesAsync(other));

            // The owner goes away: once the front door's health check says so, turn 3 goes to the other replica, which has
            // no process for it and resumes the client's history on the cold path, as real structured turns.
            var ownerId = owner == replicas[0] ? "proxy-1" : "proxy-2";
            running.Remove(owner);
            await owner.DisposeAsync();
            var lookup = frontDoor.Services.GetRequiredService<IProxyStateLookup>();
            Assert.True(lookup.TryGetCluster(FrontDoorCluster.ClusterId, out var cluster));
            Assert.Equal(DestinationHealth.Unhealthy, await Eventually.GetAsync(
                () => cluster.Destinations[ownerId].Health.Active, health => health == DestinationHealth.Unhealthy, TimeSpan.FromSeconds(30)));
            var before = other.Upstream.Requests.Count;
            conversation.Add(Assistant("An answer."));
            conversation.Add(User("the third question"));

            Assert.Equal("An answer.", await SendAsync(http, "ses_affinity", conversation));

            Assert.Equal("cold", (await RuntimesAsync(other))[^1]);
            var upstream = other.Upstream.Requests.Skip(before).Last().Body!["messages"]!.AsArray();
            Assert.Equal(["user", "assistant", "user", "assistant", "user"], upstream.Select(m => m!["role"]!.GetValue<string>()));
            Assert.Contains("the first question", upstream[0]!.ToJsonString(), StringComparison.Ordinal);
            Assert.Contains("the third question", upstream[4]!.ToJsonString(), StringComparison.Ordinal);
            Assert.DoesNotContain("conversation_history", upstream.ToJsonString(), StringComparison.Ordinal);
            await other.AssertNoCliProcessLeftAsync();
        }
        finally
        {
            foreach (var replica in running)
            {
                await replica.DisposeAsync();
            }
        }
    }

    /// <summary>The front door as its Program builds it (<c>AddFrontDoor</c>, <c>MapReverseProxy</c>) on a free loopback port.</summary>
    private static async Task<WebApplication> StartFrontDoorAsync(RealCliProxy[] replicas)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{FrontDoorCluster.DestinationsSection}:proxy-1"] = replicas[0].BaseUrl,
            [$"{FrontDoorCluster.DestinationsSection}:proxy-2"] = replicas[1].BaseUrl,
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.AddFrontDoor();
        var app = builder.Build();
        app.MapReverseProxy();
        await app.StartAsync(Cancel);
        return app;
    }

    private static async Task<List<string>> RuntimesAsync(RealCliProxy replica) =>
        [.. JsonNode.Parse(await replica.Http.GetStringAsync("/telemetry/requests", Cancel))!.AsArray()
            .Where(r => r!["path"]?.GetValue<string>() == "/v1/messages")
            .Select(r => r!["runtime"]?.GetValue<string>() ?? "none").Reverse()];

    /// <summary>A request as OpenCode sends it: both of its session headers, one value.</summary>
    private static async Task<string> SendAsync(HttpClient http, string session, JsonArray messages)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages") { Content = Json(Body(messages)) };
        request.Headers.TryAddWithoutValidation("x-session-affinity", session);
        request.Headers.TryAddWithoutValidation("x-session-id", session);
        using var response = await http.SendAsync(request, Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return string.Concat(JsonNode.Parse(text)!["content"]!.AsArray().Where(b => b!["type"]!.GetValue<string>() == "text").Select(b => b!["text"]!.GetValue<string>()));
    }

    private static JsonObject User(string text) => new() { ["role"] = "user", ["content"] = text };

    private static JsonObject Assistant(string text) => new() { ["role"] = "assistant", ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }) };

    private static JsonObject Body(JsonArray messages) => new()
    {
        ["model"] = "claude-sonnet-4-6",
        ["max_tokens"] = 256,
        ["system"] = "You are the AgentRelay front door test.",
        ["messages"] = messages.DeepClone(),
    };

    private static StringContent Json(JsonObject body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");
}
