using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace AgentRelay.Tests.Agents;

/// <summary>
/// What the fake Anthropic API answers an agent's requests, decided per request (agents send several, some at once):
/// while the agent's tool has not run, a request that offers it gets one <c>tool_use</c> of it; a request whose history
/// holds the tool's output gets <see cref="FinalAnswer"/>; anything else gets <see cref="Greeting"/>.
/// </summary>
public sealed class UpstreamScript
{
    public const string Greeting = "Hello from the fake upstream.";
    public const string FinalAnswer = "The probe tool ran on the client.";

    /// <summary>The id of the model's one tool call.</summary>
    public const string ToolUseId = "toolu_agent_probe";

    private readonly string? _toolName;
    private readonly string? _toolInput;
    private readonly string? _toolOutput;
    private int _toolUses;

    private UpstreamScript(string? toolName, string? toolInput, string? toolOutput)
    {
        _toolName = toolName;
        _toolInput = toolInput;
        _toolOutput = toolOutput;
    }

    /// <summary>How many <c>tool_use</c> replies were sent.</summary>
    public int ToolUses => Volatile.Read(ref _toolUses);

    /// <summary>Only greetings.</summary>
    public static UpstreamScript OneShot() => new(null, null, null);

    /// <summary>
    /// One call of <paramref name="toolName"/> (as the model sees it, e.g. <c>mcp__opencode__bash</c>) with
    /// <paramref name="toolInput"/>; <paramref name="toolOutput"/> is text only the tool's real run produces.
    /// </summary>
    public static UpstreamScript ToolRoundTrip(string toolName, JsonObject toolInput, string toolOutput) =>
        new(toolName, toolInput.ToJsonString(), toolOutput);

    public void Attach(FakeAnthropicServer upstream) => upstream.DefaultReply = ReplyAsync;

    private Task ReplyAsync(HttpContext context)
    {
        var request = (RecordedRequest)context.Items[typeof(RecordedRequest)]!;
        if (request.PathAndQuery.Contains("count_tokens", StringComparison.Ordinal))
        {
            return Replies.Json(200, new JsonObject { ["input_tokens"] = 17 })(context);
        }

        var history = request.Body?["messages"]?.ToJsonString() ?? string.Empty;
        if (_toolOutput is not null && history.Contains(_toolOutput, StringComparison.Ordinal))
        {
            return Replies.Sse(context, AnthropicStreams.Text(FinalAnswer));
        }

        var offered = request.Body?["tools"] is JsonArray tools && tools.Any(t => t?["name"]?.GetValue<string>() == _toolName);
        if (_toolName is not null && offered && Interlocked.CompareExchange(ref _toolUses, 1, 0) == 0)
        {
            return Replies.Sse(context, AnthropicStreams.ToolUse(ToolUseId, _toolName, _toolInput!));
        }

        return Replies.Sse(context, AnthropicStreams.Text(Greeting));
    }
}
