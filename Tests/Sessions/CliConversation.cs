using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Sessions;

/// <summary>
/// A client conversation as LiteLLM holds it (its session header, the <c>echo</c> tool passed through): every turn
/// resends the whole history, as real clients do, and appends the proxy's answer.
/// </summary>
public sealed class CliConversation(string sessionId)
{
    public const string ToolName = "echo";

    /// <summary>The name the CLI offers the model for the client's tool (LiteLLM's MCP server is <c>litellm</c>).</summary>
    public const string ModelToolName = "mcp__litellm__echo";

    public JsonArray Messages { get; } = [];

    /// <summary>The <c>x-relay-session</c> of every answer so far.</summary>
    public List<string?> RelaySessions { get; } = [];

    public void User(JsonNode content) => Messages.Add(new JsonObject { ["role"] = "user", ["content"] = content });

    public void ToolResult(string toolUseId, string text) =>
        User(new JsonArray(new JsonObject { ["type"] = "tool_result", ["tool_use_id"] = toolUseId, ["content"] = text }));

    /// <summary>Sends the conversation, appends the answer and returns it.</summary>
    public async Task<JsonObject> SendAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["model"] = "claude-sonnet-4-6",
            ["max_tokens"] = 512,
            ["system"] = "You are the AgentRelay sessions test.",
            ["messages"] = Messages.DeepClone(),
            ["tools"] = new JsonArray(new JsonObject
            {
                ["name"] = ToolName,
                ["description"] = "Echo the given text back",
                ["input_schema"] = new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = new JsonObject { ["text"] = new JsonObject { ["type"] = "string" } },
                    ["required"] = new JsonArray("text"),
                },
            }),
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("user-agent", "litellm/1.52.0");
        request.Headers.TryAddWithoutValidation("x-litellm-session-id", sessionId);

        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"turn {Messages.Count}: {(int)response.StatusCode} {text}");
        RelaySessions.Add(response.Headers.TryGetValues("x-relay-session", out var values) ? values.Single() : null);
        var message = JsonNode.Parse(text)!.AsObject();
        Messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = message["content"]!.DeepClone() });
        return message;
    }

    /// <summary>The lineage of this replica's most recent <paramref name="count"/> requests, oldest first.</summary>
    public static async Task<List<string?>> LineagesAsync(HttpClient http, int count, CancellationToken cancellationToken)
    {
        var records = JsonNode.Parse(await http.GetStringAsync($"/telemetry/requests?limit={count}", cancellationToken))!.AsArray();
        return [.. records.Reverse().Select(r => r!["lineage"]?.GetValue<string>())];
    }
}

/// <summary>Assertions on what the fake upstream received from the CLI.</summary>
public static class UpstreamTurns
{
    /// <summary>
    /// The request carries the earlier turns as structured messages: the assistant's <c>tool_use</c> under
    /// <paramref name="toolUseId"/>, then a user <c>tool_result</c> for that id holding the client's own content, and
    /// never a flattened history text block.
    /// </summary>
    public static void AssertStructuredToolRoundTrip(JsonObject body, string toolUseId, string clientResult)
    {
        var messages = body["messages"]!.AsArray().Select(m => m!.AsObject()).ToList();
        var useAt = messages.FindIndex(m => m["role"]!.GetValue<string>() == "assistant" && Blocks(m).Any(b => Is(b, "tool_use") && b["id"]?.GetValue<string>() == toolUseId));
        Assert.True(useAt >= 0, "no assistant tool_use " + toolUseId + " in " + body["messages"]!.ToJsonString());
        var use = Blocks(messages[useAt]).Single(b => Is(b, "tool_use"));
        Assert.Equal(CliConversation.ModelToolName, use["name"]!.GetValue<string>());

        var result = Assert.Single(Blocks(messages[useAt + 1]), b => Is(b, "tool_result"));
        Assert.Equal("user", messages[useAt + 1]["role"]!.GetValue<string>());
        Assert.Equal(toolUseId, result["tool_use_id"]!.GetValue<string>());
        Assert.Contains(clientResult, result["content"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Tool call interrupted", result["content"]!.ToJsonString(), StringComparison.Ordinal);
        AssertNoFlattenedHistory(body);
    }

    public static void AssertNoFlattenedHistory(JsonObject body)
    {
        var text = body["messages"]!.ToJsonString();
        Assert.DoesNotContain("conversation_history", text, StringComparison.Ordinal);
        Assert.DoesNotContain("No response requested.", text, StringComparison.Ordinal);
    }

    /// <summary>The texts of every message, in order, without the CLI's own <c>&lt;system-reminder&gt;</c> blocks.</summary>
    public static List<(string Role, string Text)> Texts(JsonObject body) =>
        [.. body["messages"]!.AsArray().Select(m => (m!["role"]!.GetValue<string>(), string.Join("|", Blocks(m.AsObject())
            .Where(b => Is(b, "text") && !b["text"]!.GetValue<string>().StartsWith("<system-reminder>", StringComparison.Ordinal))
            .Select(b => b["text"]!.GetValue<string>()))))];

    public static List<JsonObject> Blocks(JsonObject message) => message["content"] switch
    {
        JsonArray blocks => [.. blocks.OfType<JsonObject>()],
        JsonValue value => [new JsonObject { ["type"] = "text", ["text"] = value.GetValue<string>() }],
        _ => [],
    };

    private static bool Is(JsonObject block, string type) => block["type"]?.GetValue<string>() == type;
}
