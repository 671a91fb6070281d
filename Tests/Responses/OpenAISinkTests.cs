using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;
using AgentRelay.ProxyService.Responses;
using AgentRelay.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace AgentRelay.Tests.Responses;

/// <summary>Both OpenAI sinks fed the Anthropic event sequences the real API sends.</summary>
public sealed class OpenAISinkTests
{
    private static readonly CancellationToken s_ct = CancellationToken.None;

    private static DefaultHttpContext NewContext()
    {
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();
        return context;
    }

    private static string BodyOf(HttpContext context) => Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray());

    private static async Task FeedAsync(IResponseSink sink, IEnumerable<JsonObject> events)
    {
        foreach (var data in events)
        {
            await sink.WriteAsync(MessageStreamEvent.Create((JsonObject)data.DeepClone()), s_ct);
        }
    }

    /// <summary>The <c>data:</c> payloads in order; <c>[DONE]</c> as a JSON string.</summary>
    internal static List<JsonNode> DataLines(string body) =>
        [.. body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(block =>
        {
            Assert.StartsWith("data: ", block, StringComparison.Ordinal);
            var data = block["data: ".Length..];
            return data == "[DONE]" ? JsonValue.Create("[DONE]") : JsonNode.Parse(data)!;
        })];

    [Fact]
    public async Task Stream_sink_writes_role_chunk_text_deltas_finish_and_done_under_one_id()
    {
        var context = NewContext();
        var sink = new OpenAIStreamSink(context, "claude-haiku-4-5", includeUsage: false);

        await FeedAsync(sink, AnthropicStreams.Text("Hello streaming world", chunks: 3));
        Assert.Null(await sink.CompleteAsync(s_ct));

        Assert.Equal("text/event-stream; charset=utf-8", context.Response.ContentType);
        var lines = DataLines(BodyOf(context));
        Assert.Equal("[DONE]", lines[^1].GetValue<string>());
        var chunks = lines[..^1].Select(l => l.AsObject()).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c["object"]!.GetValue<string>()));
        Assert.Single(chunks.Select(c => c["id"]!.GetValue<string>()).Distinct());
        Assert.StartsWith("chatcmpl-", chunks[0]["id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.All(chunks, c => Assert.Equal("claude-haiku-4-5", c["model"]!.GetValue<string>()));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"role":"assistant","content":""}"""), chunks[0]["choices"]![0]!["delta"]));
        Assert.Equal("Hello streaming world", string.Concat(chunks.Select(c => c["choices"]![0]!["delta"]!["content"]?.GetValue<string>())));
        Assert.Equal("stop", chunks[^1]["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.All(chunks[..^1], c => Assert.Null(c["choices"]![0]!["finish_reason"]));
    }

    [Fact]
    public async Task Stream_sink_writes_tool_calls_with_argument_fragments_and_a_usage_chunk()
    {
        var context = NewContext();
        var sink = new OpenAIStreamSink(context, null, includeUsage: true);

        await FeedAsync(sink, AnthropicStreams.ToolUse("toolu_9", "read", """{"path":"/tmp/a"}"""));
        Assert.Null(await sink.CompleteAsync(s_ct));

        var lines = DataLines(BodyOf(context));
        var chunks = lines[..^1].Select(l => l.AsObject()).ToList();
        var calls = chunks.Where(c => c["choices"]!.AsArray().Count > 0 && c["choices"]![0]!["delta"]!["tool_calls"] is not null)
            .Select(c => c["choices"]![0]!["delta"]!["tool_calls"]![0]!).ToList();
        Assert.Equal("toolu_9", calls[0]["id"]!.GetValue<string>());
        Assert.Equal("read", calls[0]["function"]!["name"]!.GetValue<string>());
        Assert.All(calls, call => Assert.Equal(0, call["index"]!.GetValue<int>()));
        Assert.Equal("""{"path":"/tmp/a"}""", string.Concat(calls.Select(c => c["function"]!["arguments"]!.GetValue<string>())));
        Assert.Equal("claude-sonnet-4-6", chunks[0]["model"]!.GetValue<string>());
        Assert.Equal("tool_calls", chunks[^2]["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.Empty(chunks[^1]["choices"]!.AsArray());
        Assert.Equal(12, chunks[^1]["usage"]!["completion_tokens"]!.GetValue<int>());
        Assert.True(chunks[^1]["usage"]!["prompt_tokens"]!.GetValue<int>() > 0);
    }

    [Fact]
    public async Task Stream_sink_failure_before_the_first_event_is_an_openai_json_error_with_the_status()
    {
        var context = NewContext();
        var sink = new OpenAIStreamSink(context, null, includeUsage: false);

        await sink.FailAsync(BackendFailure.FromType("rate_limit_error", "Slow down") with { RetryAfter = TimeSpan.FromSeconds(3) }, s_ct);

        Assert.False(sink.Committed);
        Assert.Equal(429, context.Response.StatusCode);
        Assert.Equal("3", context.Response.Headers.RetryAfter.ToString());
        var body = JsonNode.Parse(BodyOf(context))!;
        Assert.Null(body["type"]);
        Assert.Equal("rate_limit_error", body["error"]!["type"]!.GetValue<string>());
        Assert.Equal("Slow down", body["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Stream_sink_failure_after_commit_is_an_error_chunk_then_done()
    {
        var context = NewContext();
        var sink = new OpenAIStreamSink(context, null, includeUsage: false);
        await FeedAsync(sink, AnthropicStreams.Text("partial")[..4]);

        await sink.FailAsync(BackendFailure.FromType("overloaded_error", "Overloaded"), s_ct);

        var lines = DataLines(BodyOf(context));
        Assert.Equal("[DONE]", lines[^1].GetValue<string>());
        Assert.Equal("server_error", lines[^2]["error"]!["type"]!.GetValue<string>());
        Assert.Equal("overloaded_error", lines[^2]["error"]!["code"]!.GetValue<string>());
        Assert.Equal(200, context.Response.StatusCode);
    }

    [Fact]
    public async Task Stream_sink_reports_a_stream_cut_before_message_stop()
    {
        var context = NewContext();
        var sink = new OpenAIStreamSink(context, null, includeUsage: false);
        await FeedAsync(sink, AnthropicStreams.Text("cut short")[..4]);

        var failure = await sink.CompleteAsync(s_ct);

        Assert.NotNull(failure);
        Assert.NotNull(DataLines(BodyOf(context))[^2]["error"]);
    }

    [Fact]
    public async Task Json_sink_builds_one_chat_completion_without_thinking()
    {
        var context = NewContext();
        var sink = OpenAIJsonSink.Create(context, "claude-haiku-4-5-20251001");
        var events = AnthropicStreams.Text("public answer");
        // A thinking block first, as index 0; the text block moves to index 1.
        var withThinking = new List<JsonObject> { events[0] };
        withThinking.Add(AnthropicStreams.BlockStart(0, new JsonObject { ["type"] = "thinking", ["thinking"] = "" }));
        withThinking.Add(AnthropicStreams.Delta(0, new JsonObject { ["type"] = "thinking_delta", ["thinking"] = "secret" }));
        withThinking.Add(AnthropicStreams.BlockStop(0));
        withThinking.AddRange(events.Skip(1).Select(e =>
        {
            if (e["index"] is not null)
            {
                e["index"] = 1;
            }

            return e;
        }));

        await FeedAsync(sink, withThinking);
        Assert.Null(await sink.CompleteAsync(s_ct));

        Assert.Equal(200, context.Response.StatusCode);
        var completion = JsonNode.Parse(BodyOf(context))!;
        Assert.Equal("chat.completion", completion["object"]!.GetValue<string>());
        Assert.StartsWith("chatcmpl-", completion["id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("claude-haiku-4-5-20251001", completion["model"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"role":"assistant","content":"public answer"}"""), completion["choices"]![0]!["message"]));
        Assert.Equal("stop", completion["choices"]![0]!["finish_reason"]!.GetValue<string>());
        var usage = completion["usage"]!;
        Assert.Equal(7, usage["completion_tokens"]!.GetValue<int>());
        Assert.Equal(usage["prompt_tokens"]!.GetValue<int>() + 7, usage["total_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task Json_sink_shows_tool_use_as_tool_calls()
    {
        var context = NewContext();
        var sink = OpenAIJsonSink.Create(context, null);

        await FeedAsync(sink, AnthropicStreams.ToolUse("toolu_1", "read", """{"path":"a"}"""));
        await sink.CompleteAsync(s_ct);

        var choice = JsonNode.Parse(BodyOf(context))!["choices"]![0]!;
        Assert.Equal("tool_calls", choice["finish_reason"]!.GetValue<string>());
        Assert.Null(choice["message"]!["content"]);
        var call = choice["message"]!["tool_calls"]![0]!;
        Assert.Equal("toolu_1", call["id"]!.GetValue<string>());
        Assert.Equal("function", call["type"]!.GetValue<string>());
        Assert.Equal("read", call["function"]!["name"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"path":"a"}"""), JsonNode.Parse(call["function"]!["arguments"]!.GetValue<string>())));
    }

    [Fact]
    public async Task Json_sink_failure_is_an_openai_error_and_max_tokens_is_length()
    {
        var context = NewContext();
        await OpenAIJsonSink.Create(context, null).FailAsync(BackendFailure.FromType("authentication_error", "bad key"), s_ct);
        Assert.Equal(401, context.Response.StatusCode);
        Assert.Equal("authentication_error", JsonNode.Parse(BodyOf(context))!["error"]!["type"]!.GetValue<string>());

        Assert.Equal("length", ChatCompletionShapes.FinishReason("max_tokens"));
        Assert.Equal("stop", ChatCompletionShapes.FinishReason("stop_sequence"));
    }
}
