using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.EndToEnd;

/// <summary>
/// The official npm <c>openai</c> SDK, in its own Node process, talking over real HTTP to the real ProxyService
/// process, which forwards to the fake Anthropic API.
/// </summary>
public sealed class OpenAISdkTests : ProxyProcessOverFakeUpstream
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Proxy:ApiKey"] = "relay-key",
        ["Retry:BaseDelay"] = "00:00:00.05",
    };

    private Task<JsonObject> RunSdkAsync(bool stream, string apiKey = "relay-key") =>
        NodeClient.OpenAIChatAsync(Proxy.BaseUrl, stream, new JsonObject
        {
            ["model"] = "claude-sonnet-4-6",
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = "be nice" },
                new JsonObject { ["role"] = "user", ["content"] = "say hi" }),
        }, apiKey);

    [Fact]
    public async Task Sdk_streams_the_reply_as_chat_completion_chunks()
    {
        Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("Streamed through AgentRelay.", chunks: 5), TimeSpan.FromMilliseconds(10)));

        var answer = await RunSdkAsync(stream: true);

        Assert.Null(answer["error"]);
        Assert.Equal("Streamed through AgentRelay.", answer["content"]!.GetValue<string>());
        Assert.Equal("stop", answer["finish_reason"]!.GetValue<string>());
        Assert.Single(answer["ids"]!.AsArray());
        Assert.Equal("be nice", Upstream.Requests.Single().Body!["system"]!.GetValue<string>());
    }

    [Fact]
    public async Task Sdk_gets_a_chat_completion_and_an_openai_error()
    {
        Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("Plain answer.")));

        var answer = await RunSdkAsync(stream: false);

        Assert.Null(answer["error"]);
        var completion = answer["completion"]!;
        Assert.Equal("Plain answer.", completion["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        Assert.Equal("stop", completion["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.Equal(completion["usage"]!["prompt_tokens"]!.GetValue<int>() + 7, completion["usage"]!["total_tokens"]!.GetValue<int>());

        var refused = await RunSdkAsync(stream: false, apiKey: "wrong-key");

        Assert.Equal(401, refused["error"]!["status"]!.GetValue<int>());
        Assert.Equal("authentication_error", refused["error"]!["type"]!.GetValue<string>());
        Assert.Single(Upstream.Requests);
    }
}
