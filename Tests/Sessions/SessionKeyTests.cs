using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Sessions;

/// <summary>
/// Where a conversation's key comes from, through real HTTP (AnthropicApi backend, fake upstream): Claude Code's
/// <c>session_id</c> inside the JSON string <c>metadata.user_id</c>, and independent requests (<c>x-relay-source:
/// fork-…|subagent-…</c>) that neither read nor write the conversation's state.
/// </summary>
public sealed class SessionKeyTests : ProxyOverFakeUpstream
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Claude_Codes_session_id_inside_metadata_user_id_keys_the_conversation_and_its_value_is_never_recorded()
    {
        const string SessionA = "3f0c9a52-session-a-value";
        const string SessionB = "9d7e1b44-session-b-value";
        await SendAsync(ClaudeCode(SessionA), "u1");
        await SendAsync(ClaudeCode(SessionA), "u1", "a1", "u2");
        // The same first message under another session id is another conversation.
        await SendAsync(ClaudeCode(SessionB), "u1", "a1", "u2");

        var records = await RecordsAsync(3);
        Assert.All(records, r => Assert.Equal("metadata.user_id", r["sessionKey"]!.GetValue<string>()));
        Assert.Equal(["new", "continuation", "new"], records.Select(r => r["lineage"]!.GetValue<string>()));
        var telemetry = await Proxy.CreateClient().GetStringAsync("/telemetry/requests?limit=3", Cancel);
        Assert.DoesNotContain(SessionA, telemetry, StringComparison.Ordinal);
        Assert.DoesNotContain(SessionB, telemetry, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fork-7")]
    [InlineData("subagent-explore-2")]
    public async Task An_independent_request_neither_reads_nor_writes_the_conversation(string source)
    {
        var litellm = new[] { ("user-agent", "litellm/1.52.0"), ("x-litellm-session-id", "conv-independent") };
        await SendAsync(litellm, "u1");
        // A branch carrying the conversation's history under the same session header: were it stored, the next turn
        // of the conversation would look like an undo.
        await SendAsync([.. litellm, ("x-relay-source", source)], "u1", "a1", "branch");
        await SendAsync(litellm, "u1", "a1", "u2");

        var records = await RecordsAsync(3);
        Assert.Equal(["new", "new", "continuation"], records.Select(r => r["lineage"]!.GetValue<string>()));
        Assert.Equal("none", records[1]["sessionKey"]!.GetValue<string>());
    }

    private static (string, string)[] ClaudeCode(string sessionId) =>
    [
        ("user-agent", "claude-cli/2.1.330 (external, sdk-cli)"),
        ("x-app", "cli"),
        ("metadata.user_id", new JsonObject { ["device_id"] = "dev-1", ["account_uuid"] = "", ["session_id"] = sessionId }.ToJsonString()),
    ];

    /// <summary>Sends a conversation written as letters (<c>u…</c> user, <c>a…</c> assistant), the text being the letters.</summary>
    private async Task SendAsync((string Name, string Value)[] headers, params string[] messages)
    {
        var body = new JsonObject
        {
            ["model"] = "claude-sonnet-4-6",
            ["max_tokens"] = 64,
            ["messages"] = new JsonArray([.. messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.StartsWith('a') ? "assistant" : "user", ["content"] = $"message {m}" })]),
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages");
        foreach (var (name, value) in headers)
        {
            if (name == "metadata.user_id")
            {
                body["metadata"] = new JsonObject { ["user_id"] = value };
            }
            else
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await Proxy.CreateClient().SendAsync(request, Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Cancel));
    }

    /// <summary>The most recent <paramref name="count"/> request records, oldest first.</summary>
    private async Task<List<JsonObject>> RecordsAsync(int count)
    {
        var records = JsonNode.Parse(await Proxy.CreateClient().GetStringAsync($"/telemetry/requests?limit={count}", Cancel))!.AsArray();
        return [.. records.Reverse().Select(r => r!.AsObject())];
    }
}
