using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Endpoints;

/// <summary>
/// A few hundred mutated request bodies: every answer is a 2xx or a 4xx JSON error in the Anthropic shape, nothing
/// crashes, and the service stays healthy. The mutations are seeded, so a failure reproduces.
/// </summary>
public sealed class FuzzTests
{
    private const string Seed = """{"model":"claude-sonnet-4-6","max_tokens":64,"stream":false,"system":[{"type":"text","text":"be brief"}],"tools":[{"name":"read","input_schema":{"type":"object"}}],"messages":[{"role":"user","content":[{"type":"text","text":"hello"}]},{"role":"assistant","content":"hi"},{"role":"user","content":"again"}]}""";

    [Fact]
    public async Task Mutated_bodies_never_get_a_5xx_and_the_service_stays_healthy()
    {
        await using var upstream = await FakeAnthropicServer.StartAsync();
        await using var proxy = ProxyFactory.ForUpstream(upstream);
        var client = proxy.CreateClient();
        var random = new Random(20261124);
        var statuses = new Dictionary<int, int>();

        for (var i = 0; i < 300; i++)
        {
            var body = Mutate(Seed, random);
            var response = await client.PostAsync(i % 5 == 0 ? "/v1/messages/count_tokens" : "/v1/messages",
                new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
            var status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

            Assert.True(status is >= 200 and < 300 or >= 400 and < 500, $"status {status} for body {body}: {text}");
            if (status >= 400)
            {
                var json = JsonNode.Parse(text)!;
                Assert.Equal("error", json["type"]!.GetValue<string>());
                Assert.False(string.IsNullOrEmpty(json["error"]!["message"]!.GetValue<string>()));
            }
        }

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health", TestContext.Current.CancellationToken)).StatusCode);
        // The mutations must reach both sides of the validator, or the loop proves little.
        Assert.True(statuses.GetValueOrDefault(200) > 10, string.Join(", ", statuses));
        Assert.True(statuses.GetValueOrDefault(400) > 50, string.Join(", ", statuses));
    }

    private static string Mutate(string seed, Random random)
    {
        return random.Next(4) switch
        {
            0 => MutateText(seed, random),
            _ => MutateJson(JsonNode.Parse(seed)!, random).ToJsonString(),
        };
    }

    private const string Junk = "{}[],:\"\\0ü\u0000";

    private static string MutateText(string text, Random random)
    {
        var builder = new StringBuilder(text);
        for (var n = random.Next(1, 4); n > 0 && builder.Length > 0; n--)
        {
            var at = random.Next(builder.Length);
            switch (random.Next(3))
            {
                case 0: builder.Remove(at, 1); break;
                case 1: builder.Insert(at, Junk[random.Next(Junk.Length)]); break;
                default: builder.Length = at; break;
            }
        }

        return builder.ToString();
    }

    private static JsonNode MutateJson(JsonNode root, Random random)
    {
        var replacements = new Func<JsonNode?>[]
        {
            () => null, () => 42, () => -1.5, () => "text", () => true, () => new JsonArray(), () => new JsonObject(),
            () => new JsonArray(1, "a", null), () => new JsonObject { ["type"] = "text" }, () => new string('z', 300),
        };
        var targets = new List<(JsonNode Parent, object Key)>();
        Collect(root, targets);
        for (var n = random.Next(1, 3); n > 0 && targets.Count > 0; n--)
        {
            var (parent, key) = targets[random.Next(targets.Count)];
            var value = replacements[random.Next(replacements.Length)]();
            if (parent is JsonObject obj)
            {
                if (random.Next(5) == 0)
                {
                    obj.Remove((string)key);
                }
                else
                {
                    obj[(string)key] = value;
                }
            }
            else if (parent is JsonArray array && (int)key < array.Count)
            {
                array[(int)key] = value;
            }

            targets.Clear();
            Collect(root, targets);
        }

        return root;
    }

    private static void Collect(JsonNode node, List<(JsonNode, object)> targets)
    {
        if (node is JsonObject obj)
        {
            foreach (var (key, child) in obj.ToList())
            {
                targets.Add((obj, key));
                if (child is not null)
                {
                    Collect(child, targets);
                }
            }
        }
        else if (node is JsonArray array)
        {
            for (var i = 0; i < array.Count; i++)
            {
                targets.Add((array, i));
                if (array[i] is { } child)
                {
                    Collect(child, targets);
                }
            }
        }
    }
}
