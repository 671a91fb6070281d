using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Endpoints;

/// <summary>Every validation rule: the right status, an Anthropic-shaped error naming the problem, and no upstream call.</summary>
public sealed class BadInputTests : ProxyOverFakeUpstream
{
    protected override (string Key, string? Value)[] Settings => [("Proxy:MaxRequestBodyBytes", "4096")];

    public static TheoryData<string, string> InvalidBodies => new()
    {
        { "{not json", "not valid JSON" },
        { "", "empty" },
        { "[1,2]", "must be a JSON object" },
        { "\"text\"", "must be a JSON object" },
        { "null", "must be a JSON object" },
        { "{}", "messages: Field required" },
        { """{"messages":null}""", "messages: Field required" },
        { """{"messages":"hi"}""", "messages: Input should be a valid list" },
        { """{"messages":{}}""", "messages: Input should be a valid list" },
        { """{"messages":[]}""", "at least one message" },
        { """{"messages":[1]}""", "messages.0: Input should be an object" },
        { """{"messages":[{"content":"hi"}]}""", "messages.0.role" },
        { """{"messages":[{"role":7,"content":"hi"}]}""", "messages.0.role" },
        { """{"messages":[{"role":"user"}]}""", "messages.0.content: Field required" },
        { """{"messages":[{"role":"user","content":42}]}""", "messages.0.content" },
        { """{"messages":[{"role":"user","content":[{"text":"no type"}]}]}""", "messages.0.content.0" },
        { """{"messages":[{"role":"user","content":["bare string"]}]}""", "messages.0.content.0" },
        { """{"model":5,"messages":[{"role":"user","content":"hi"}]}""", "model: Input should be a string" },
        { """{"model":["a"],"messages":[{"role":"user","content":"hi"}]}""", "model: Input should be a string" },
        { """{"stream":"yes","messages":[{"role":"user","content":"hi"}]}""", "stream: Input should be a boolean" },
        { """{"max_tokens":"100","messages":[{"role":"user","content":"hi"}]}""", "max_tokens: Input should be an integer" },
        { """{"max_tokens":1.5,"messages":[{"role":"user","content":"hi"}]}""", "max_tokens: Input should be a valid integer" },
        { """{"system":5,"messages":[{"role":"user","content":"hi"}]}""", "system: Input should be a string or a list" },
        { """{"tools":{},"messages":[{"role":"user","content":"hi"}]}""", "tools: Input should be a list" },
        { """{"tools":[1],"messages":[{"role":"user","content":"hi"}]}""", "tools: every entry must be an object" },
        { """{"temperature":"hot","messages":[{"role":"user","content":"hi"}]}""", "temperature: Input should be a number" },
        { """{"metadata":[],"messages":[{"role":"user","content":"hi"}]}""", "metadata: Input should be an object" },
        { """{"stop_sequences":"END","messages":[{"role":"user","content":"hi"}]}""", "stop_sequences: Input should be a list of strings" },
        { """{"stop_sequences":[1],"messages":[{"role":"user","content":"hi"}]}""", "stop_sequences: Input should be a list of strings" },
        { """{"thinking":true,"messages":[{"role":"user","content":"hi"}]}""", "thinking: Input should be an object" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Invalid_body_is_a_400_invalid_request_error(string body, string expectedMessagePart)
    {
        foreach (var path in new[] { "/v1/messages", "/v1/messages/count_tokens" })
        {
            var response = await Proxy.CreateClient().PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var error = await ReadErrorAsync(response);
            Assert.Equal("invalid_request_error", error.Type);
            Assert.Contains(expectedMessagePart, error.Message, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Empty(Upstream.Requests);
    }

    [Fact]
    public async Task Invalid_body_that_asked_to_stream_still_gets_a_plain_json_error()
    {
        var response = await Proxy.CreateClient().PostAsync("/v1/messages",
            new StringContent("""{"stream":true,"messages":[]}""", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Body_over_the_limit_is_413_request_too_large()
    {
        var big = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + new string('x', 8000) + "\"}]}";
        var response = await Proxy.CreateClient().PostAsync("/v1/messages", new StringContent(big, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var error = await ReadErrorAsync(response);
        Assert.Equal("request_too_large", error.Type);
        Assert.Contains("Proxy:MaxRequestBodyBytes", error.Message);
        Assert.Empty(Upstream.Requests);
    }

    [Fact]
    public async Task Body_over_the_limit_without_content_length_is_413_too()
    {
        var big = Encoding.UTF8.GetBytes("{\"messages\":[{\"role\":\"user\",\"content\":\"" + new string('y', 8000) + "\"}]}");
        var content = new StreamContent(new MemoryStream(big));
        content.Headers.ContentType = new("application/json");
        content.Headers.ContentLength = null;
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await Proxy.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("request_too_large", (await ReadErrorAsync(response)).Type);
    }

    [Theory]
    [InlineData("GET", "/nope", HttpStatusCode.NotFound, "not_found_error")]
    [InlineData("POST", "/v2/messages", HttpStatusCode.NotFound, "not_found_error")]
    [InlineData("GET", "/v1/messages", HttpStatusCode.MethodNotAllowed, "invalid_request_error")]
    [InlineData("DELETE", "/v1/models", HttpStatusCode.MethodNotAllowed, "invalid_request_error")]
    [InlineData("GET", "/telemetry/requests?limit=abc", HttpStatusCode.BadRequest, "invalid_request_error")]
    public async Task Unknown_route_or_method_gets_an_anthropic_error(string method, string path, HttpStatusCode status, string type)
    {
        var response = await Proxy.CreateClient().SendAsync(new HttpRequestMessage(new HttpMethod(method), path), TestContext.Current.CancellationToken);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(type, (await ReadErrorAsync(response)).Type);
    }

    [Fact]
    public async Task Service_stays_healthy_after_bad_input()
    {
        var client = Proxy.CreateClient();
        foreach (var body in InvalidBodies)
        {
            await client.PostAsync("/v1/messages", new StringContent(body.Data.Item1, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health", TestContext.Current.CancellationToken)).StatusCode);
        var ok = await client.PostAsync("/v1/messages", new StringContent("""{"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    internal static async Task<(string Type, string Message)> ReadErrorAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        var json = JsonNode.Parse(text)!;
        Assert.Equal("error", json["type"]!.GetValue<string>());
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        return (json["error"]!["type"]!.GetValue<string>(), json["error"]!["message"]!.GetValue<string>());
    }
}
