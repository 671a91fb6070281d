using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Endpoints;

namespace AgentRelay.Tests.Endpoints;

public sealed class ChatRequestTranslatorTests
{
    private static JsonObject Translate(string json)
    {
        var (request, error) = ChatRequestTranslator.Translate(JsonNode.Parse(json)!.AsObject());
        Assert.Null(error);
        return request!.AnthropicBody;
    }

    private static string? Error(string json) => ChatRequestTranslator.Translate(JsonNode.Parse(json)!.AsObject()).Error;

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}\nactual   {actual?.ToJsonString()}");

    [Fact]
    public void Model_text_and_system_messages_are_mapped()
    {
        var body = Translate("""
            {"model":"claude-haiku-4-5","messages":[
              {"role":"system","content":"Be brief."},
              {"role":"developer","content":[{"type":"text","text":"Use "},{"type":"text","text":"English."}]},
              {"role":"user","content":"Hi"},
              {"role":"assistant","content":[{"type":"text","text":"Hello"}]},
              {"role":"user","content":[{"type":"text","text":"again"}]}]}
            """);

        Assert.Equal("claude-haiku-4-5", body["model"]!.GetValue<string>());
        Assert.Equal("Be brief.\n\nUse English.", body["system"]!.GetValue<string>());
        AssertJson("""[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"},{"role":"user","content":"again"}]""", body["messages"]);
        Assert.Equal(ChatRequestTranslator.DefaultMaxTokens, body["max_tokens"]!.GetValue<long>());
        Assert.Null(body["stream"]);
    }

    [Fact]
    public void Images_become_base64_or_url_image_blocks()
    {
        var body = Translate("""
            {"messages":[{"role":"user","content":[
              {"type":"text","text":"describe"},
              {"type":"image_url","image_url":{"url":"data:image/png;base64,abc123"}},
              {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}}]}]}
            """);

        AssertJson("""
            [{"type":"text","text":"describe"},
             {"type":"image","source":{"type":"base64","media_type":"image/png","data":"abc123"}},
             {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}]
            """, body["messages"]![0]!["content"]);
    }

    [Fact]
    public void Tool_calls_and_tool_results_round_trip_into_tool_use_and_merged_tool_result_blocks()
    {
        var body = Translate("""
            {"messages":[
              {"role":"user","content":"read two files"},
              {"role":"assistant","content":null,"tool_calls":[
                {"id":"call_1","type":"function","function":{"name":"read","arguments":"{\"path\":\"a\"}"}},
                {"id":"call_2","type":"function","function":{"name":"read","arguments":"not json"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"A"},
              {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"B"}]}]}
            """);

        AssertJson("""
            [{"role":"user","content":"read two files"},
             {"role":"assistant","content":[
               {"type":"tool_use","id":"call_1","name":"read","input":{"path":"a"}},
               {"type":"tool_use","id":"call_2","name":"read","input":{"_raw":"not json"}}]},
             {"role":"user","content":[
               {"type":"tool_result","tool_use_id":"call_1","content":"A"},
               {"type":"tool_result","tool_use_id":"call_2","content":[{"type":"text","text":"B"}]}]}]
            """, body["messages"]);
    }

    [Fact]
    public void Tools_and_sampling_options_are_mapped()
    {
        var body = Translate("""
            {"messages":[{"role":"user","content":"x"}],
             "tools":[{"type":"function","function":{"name":"read","description":"Reads","parameters":{"type":"object","properties":{"path":{"type":"string"}}}}}],
             "max_completion_tokens":123,"temperature":0.5,"top_p":0.9,"stop":"END","stream":true,"stream_options":{"include_usage":true}}
            """);

        AssertJson("""[{"name":"read","description":"Reads","input_schema":{"type":"object","properties":{"path":{"type":"string"}}}}]""", body["tools"]);
        Assert.Equal(123, body["max_tokens"]!.GetValue<int>());
        Assert.Equal(0.5, body["temperature"]!.GetValue<double>());
        Assert.Equal(0.9, body["top_p"]!.GetValue<double>());
        AssertJson("""["END"]""", body["stop_sequences"]);
        Assert.True(body["stream"]!.GetValue<bool>());
        Assert.True(ChatRequestTranslator.Translate(JsonNode.Parse("""{"messages":[{"role":"user","content":"x"}],"stream_options":{"include_usage":true}}""")!.AsObject()).Request!.IncludeUsage);
        Assert.False(ChatRequestTranslator.Translate(JsonNode.Parse("""{"messages":[{"role":"user","content":"x"}]}""")!.AsObject()).Request!.IncludeUsage);
        AssertJson("""["a","b"]""", Translate("""{"stop":["a","b"],"max_tokens":9,"messages":[{"role":"user","content":"x"}]}""")["stop_sequences"]);
        Assert.Equal(9, Translate("""{"max_tokens":9,"max_completion_tokens":5,"messages":[{"role":"user","content":"x"}]}""")["max_tokens"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("\"auto\"", """{"type":"auto"}""")]
    [InlineData("\"none\"", """{"type":"none"}""")]
    [InlineData("\"required\"", """{"type":"any"}""")]
    [InlineData("""{"type":"function","function":{"name":"read"}}""", """{"type":"tool","name":"read"}""")]
    public void Tool_choice_is_mapped(string choice, string expected) =>
        AssertJson(expected, Translate($$"""{"messages":[{"role":"user","content":"x"}],"tool_choice":{{choice}}}""")["tool_choice"]);

    [Theory]
    [InlineData("{}", "messages")]
    [InlineData("""{"messages":[]}""", "at least one")]
    [InlineData("""{"messages":"hi"}""", "must be an array")]
    [InlineData("""{"messages":[1]}""", "messages[0] must be an object")]
    [InlineData("""{"messages":[{"content":"hi"}]}""", "messages[0].role")]
    [InlineData("""{"messages":[{"role":"user","content":"a"},{"role":"robot","content":"hi"}]}""", "messages[1].role")]
    public void Invalid_requests_name_the_problem(string json, string expected) =>
        Assert.Contains(expected, Error(json), StringComparison.Ordinal);
}
