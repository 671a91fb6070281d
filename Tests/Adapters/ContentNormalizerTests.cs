using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Adapters;

namespace AgentRelay.Tests.Adapters;

public sealed class ContentNormalizerTests
{
    private static string Normalize(string json) => ContentNormalizer.Normalize(JsonNode.Parse(json));

    [Theory]
    [InlineData("\"plain\"", "plain")]
    [InlineData("""[{"type":"text","text":"a"},{"type":"text","text":"b"}]""", "a\nb")]
    [InlineData("""[{"type":"tool_use","id":"t1","name":"read","input":{"path":"/a"}}]""", """tool_use:t1:read:{"path":"/a"}""")]
    [InlineData("""[{"type":"tool_result","tool_use_id":"t1","content":"done"}]""", "tool_result:t1:done")]
    [InlineData("""[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"x","cache_control":{"type":"ephemeral"}}]}]""", """tool_result:t1:[{"type":"text","text":"x"}]""")]
    [InlineData("""[{"type":"text","text":""}]""", """{"type":"text","text":""}""")]
    [InlineData("""[{"type":"thinking","thinking":"hm","signature":"s","cache_control":{"type":"ephemeral"}}]""", """{"type":"thinking","thinking":"hm","signature":"s"}""")]
    [InlineData("42", "42")]
    [InlineData("null", "")]
    public void Content_becomes_the_documented_string(string content, string expected) =>
        Assert.Equal(expected, Normalize(content));

    [Fact]
    public void Cache_control_never_changes_the_result()
    {
        var plain = Normalize("""[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"abc"}}]""");
        var cached = Normalize("""[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"abc"},"cache_control":{"type":"ephemeral"}}]""");

        Assert.Equal(plain, cached);
    }

    [Fact]
    public void Normalizing_does_not_modify_the_request()
    {
        var content = JsonNode.Parse("""[{"type":"image","source":{},"cache_control":{"type":"ephemeral"}}]""")!;

        ContentNormalizer.Normalize(content);

        Assert.NotNull(content[0]!["cache_control"]);
    }
}
