using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Adapters;
using AgentRelay.ProxyService.Core;
using Microsoft.Extensions.DependencyInjection;
using static AgentRelay.Tests.Adapters.AdapterTestHost;

namespace AgentRelay.Tests.Adapters;

public sealed class LiteLlmAdapterTests : AgentAdapterConformanceTests
{
    protected override string ExpectedName => "litellm";

    protected override string ExpectedMcpServer => "litellm";

    protected override bool ExpectedKeepThinking => false;

    protected override string? SessionHeader => "x-litellm-session-id";

    protected override JsonObject? RequestReportingWorkingDirectory(string path) =>
        Request(user: Json($"<env os=\"linux\" cwd=\"{path}\">\n</env>\nFix the failing test."));

    private string? Cwd(string userText) => Adapter.ExtractWorkingDirectory(Request(user: Json(userText)));

    [Theory]
    [InlineData("<env cwd=\"/a\">", "/a")]
    [InlineData("<env cwd='/a'>", "/a")]
    [InlineData("<env os=\"linux\" cwd=\"/a\" shell=\"bash\">", "/a")]
    [InlineData("<env\n  cwd=\"/multi/line\">", "/multi/line")]
    [InlineData("run it in cwd=\"/b\" please", "/b")]
    [InlineData("run it in cwd='/b' please", "/b")]
    [InlineData("cwd=\"/my dir/with spaces\"", "/my dir/with spaces")]
    [InlineData("cwd=\"/home/o'neil/p\"", "/home/o'neil/p")]
    [InlineData("cwd='/say \"hi\"'", "/say \"hi\"")]
    [InlineData("cwd=\"C:\\Users\\dev\"", "C:\\Users\\dev")]
    public void Working_directory_is_read_from_cwd_attributes(string text, string expected) =>
        Assert.Equal(expected, Cwd(text));

    [Theory]
    [InlineData("cwd=\"/mismatched'")]
    [InlineData("cwd='/mismatched\"")]
    [InlineData("cwd=/unquoted/path")]
    [InlineData("cwd=\"\"")]
    [InlineData("cwd=''")]
    [InlineData("oldcwd=\"/not/a/cwd\"")]
    [InlineData("cwd = \"/spaced/equals\"")]
    [InlineData("working directory is /home/dev")]
    [InlineData("<env cwd=\"/unterminated")]
    public void Malformed_or_missing_cwd_gives_no_directory(string text) =>
        Assert.Null(Cwd(text));

    [Fact]
    public void Env_tag_beats_an_earlier_plain_cwd() =>
        Assert.Equal("/from/env", Cwd("see cwd=\"/plain\" and then <env cwd=\"/from/env\">"));

    [Fact]
    public void Empty_cwd_is_skipped_for_a_later_one() =>
        Assert.Equal("/later", Cwd("cwd=\"\" then cwd=\"/later\""));

    [Fact]
    public void Block_content_is_searched_like_string_content()
    {
        var body = Request(user: """[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"x"}},{"type":"text","text":"first"},{"type":"text","text":"<env cwd=\"/blocks\">"}]""");

        Assert.Equal("/blocks", Adapter.ExtractWorkingDirectory(body));
    }

    [Fact]
    public void Tool_results_assistant_turns_and_the_system_prompt_are_not_user_text()
    {
        var body = Body("""
            {"system":"cwd=\"/system\"","messages":[
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"cwd=\"/tool\""}]},
              {"role":"assistant","content":"cwd=\"/assistant\""},
              {"role":"user","content":"no directory here"}]}
            """);

        Assert.Null(Adapter.ExtractWorkingDirectory(body));
    }

    [Fact]
    public void First_user_message_with_a_cwd_wins()
    {
        var body = Body("""
            {"messages":[
              {"role":"user","content":"cwd=\"/first\""},
              {"role":"assistant","content":"ok"},
              {"role":"user","content":"cwd=\"/second\""}]}
            """);

        Assert.Equal("/first", Adapter.ExtractWorkingDirectory(body));
    }

    [Fact]
    public void Prompt_field_is_searched_before_messages()
    {
        var body = Body("""{"prompt":"<env cwd='/from/prompt'>","messages":[{"role":"user","content":"<env cwd='/from/messages'>"}]}""");

        Assert.Equal("/from/prompt", Adapter.ExtractWorkingDirectory(body));
    }

    [Fact]
    public void Non_string_prompt_is_ignored()
    {
        var body = Body("""{"prompt":42,"messages":[{"role":"user","content":"cwd=\"/messages\""}]}""");

        Assert.Equal("/messages", Adapter.ExtractWorkingDirectory(body));
    }

    [Fact]
    public void Client_directory_is_the_same_cwd() =>
        Assert.Equal("/c", Adapter.ExtractClientWorkingDirectory(Request(user: Json("cwd='/c'"))));

    [Fact]
    public void Session_header_name_is_case_insensitive() =>
        Assert.Equal("L-77", Adapter.GetSessionId(Headers("X-LiteLLM-Session-Id=L-77"))?.Value);

    [Fact]
    public void Tools_always_pass_through_under_the_litellm_mcp_server()
    {
        var policy = AdapterTestHost.Services().GetRequiredService<AgentResolver>().CreatePolicy(Adapter, Request(extra: "\"tools\":[{\"name\":\"get_weather\",\"input_schema\":{\"type\":\"object\"}}],"));

        Assert.True(policy.PassthroughTools);
        Assert.Equal("litellm", policy.McpServerName);
    }

    [Fact]
    public void Health_check_without_stream_gets_json_and_a_streaming_call_gets_sse()
    {
        Assert.False(Adapter.PrefersStreaming(new MessagesRequest(Body("""{"model":"claude-sonnet-4-6","max_tokens":1,"messages":[{"role":"user","content":"ping"}]}"""))));
        Assert.True(Adapter.PrefersStreaming(new MessagesRequest(Body("""{"stream":true,"messages":[{"role":"user","content":"hi"}]}"""))));
    }

    [Fact]
    public void Passthrough_is_an_alias()
    {
        var detection = Detector().Detect(Headers("x-relay-agent=passthrough"));

        Assert.Equal(Adapter.GetType(), detection.Adapter.GetType());
        Assert.Equal("override:passthrough", detection.Reason);
    }
}
