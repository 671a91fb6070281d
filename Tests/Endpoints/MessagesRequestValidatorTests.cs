using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Endpoints;

namespace AgentRelay.Tests.Endpoints;

public sealed class MessagesRequestValidatorTests
{
    private static JsonObject Body(JsonNode? maxTokens) => new()
    {
        ["max_tokens"] = maxTokens,
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }),
    };

    [Fact]
    public void Integers_built_in_memory_are_integers_whatever_their_clr_type()
    {
        Assert.Null(MessagesRequestValidator.Validate(Body(JsonValue.Create(4096))));
        Assert.Null(MessagesRequestValidator.Validate(Body(JsonValue.Create(4096L))));
        Assert.Null(MessagesRequestValidator.Validate(Body(JsonNode.Parse("4096"))));
    }

    [Fact]
    public void Fractions_are_not_integers_whether_parsed_or_built()
    {
        Assert.NotNull(MessagesRequestValidator.Validate(Body(JsonValue.Create(1.5))));
        Assert.NotNull(MessagesRequestValidator.Validate(Body(JsonNode.Parse("1.5"))));
    }
}
