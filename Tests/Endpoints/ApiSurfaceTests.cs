using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Endpoints;

/// <summary>
/// The API surfaces as the one source of routes and dialects: refusals and failures that reach the backend stage (the
/// concurrency limit, the upstream's rate limit and server errors) are answered in the surface's error shape and
/// recorded, <c>GET /</c> lists every surface route, and a path outside every surface is answered in Anthropic's shape.
/// </summary>
public sealed class ApiSurfaceTests : ProxyOverFakeUpstream
{
    protected override (string Key, string? Value)[] Settings =>
    [
        ("Proxy:MaxConcurrentSessions", "1"), ("Proxy:MaxQueueLength", "0"),
        ("Retry:MaxRetries", "1"), ("Retry:BaseDelay", "00:00:00.01"), ("Retry:MaxDelay", "00:00:00.05"),
    ];

    private const string MessagesBody = """{"model":"claude-haiku-4-5","max_tokens":16,"messages":[{"role":"user","content":"Hi"}]}""";
    private const string ChatBody = """{"model":"claude-haiku-4-5","messages":[{"role":"user","content":"Hi"}]}""";

    private static HttpRequestMessage Post(string path, bool stream)
    {
        var body = JsonNode.Parse(path == "/v1/chat/completions" ? ChatBody : MessagesBody)!;
        body["stream"] = stream;
        return new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
    }

    private async Task<(JsonNode Answer, JsonNode Record)> AnswerAndRecordAsync(HttpResponseMessage response)
    {
        var ct = TestContext.Current.CancellationToken;
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
        var records = await Proxy.CreateClient().GetStringAsync("/telemetry/requests?limit=1", ct);
        return (answer, JsonNode.Parse(records)![0]!);
    }

    /// <summary>The error object of an answer, checking its shape is the surface's.</summary>
    private static JsonNode ErrorIn(JsonNode answer, string path)
    {
        Assert.Equal(path == "/v1/chat/completions" ? null : "error", answer["type"]?.GetValue<string>());
        return answer["error"]!;
    }

    [Theory]
    [InlineData("/v1/messages", false)]
    [InlineData("/v1/messages", true)]
    [InlineData("/v1/chat/completions", false)]
    [InlineData("/v1/chat/completions", true)]
    public async Task The_concurrency_limit_is_answered_in_the_surface_dialect_and_recorded(string path, bool stream)
    {
        var ct = TestContext.Current.CancellationToken;
        var release = new TaskCompletionSource();
        Upstream.Enqueue(async context =>
        {
            await release.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
            await Replies.SseReply(AnthropicStreams.Text("held"))(context);
        });
        var client = Proxy.CreateClient();
        var first = client.SendAsync(Post("/v1/messages", stream: false), ct);
        await Eventually.GetAsync(() => Upstream.Requests.Count, count => count == 1);

        var refused = await client.SendAsync(Post(path, stream), ct);

        release.SetResult();
        Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);
        Assert.Equal(529, (int)refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter is not null, "a refusal says when to come back");
        var (answer, _) = await AnswerAndRecordAsync(refused);
        var error = ErrorIn(answer, path);
        Assert.Contains("concurrency limit", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        var records = JsonNode.Parse(await client.GetStringAsync("/telemetry/requests?limit=5", ct))!.AsArray();
        var record = records.Single(r => r!["status"]!.GetValue<int>() == 529)!;
        Assert.Equal((path, "overloaded_error"), (record["path"]!.GetValue<string>(), record["errorType"]?.GetValue<string>()));
    }

    [Theory]
    [InlineData("/v1/messages", false, 429, "rate_limit_error")]
    [InlineData("/v1/messages", true, 429, "rate_limit_error")]
    [InlineData("/v1/chat/completions", false, 429, "rate_limit_error")]
    [InlineData("/v1/chat/completions", true, 429, "rate_limit_error")]
    [InlineData("/v1/messages", true, 500, "api_error")]
    [InlineData("/v1/chat/completions", false, 500, "api_error")]
    public async Task An_upstream_failure_before_any_content_is_answered_in_the_surface_dialect_and_recorded(
        string path, bool stream, int status, string type)
    {
        Upstream.DefaultReply = Replies.Error(status, type, "upstream says no", retryAfter: status == 429 ? "0" : null);

        var response = await Proxy.CreateClient().SendAsync(Post(path, stream), TestContext.Current.CancellationToken);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var (answer, record) = await AnswerAndRecordAsync(response);
        var error = ErrorIn(answer, path);
        Assert.Equal(path == "/v1/chat/completions" ? (status == 429 ? "rate_limit_error" : "server_error") : type, error["type"]!.GetValue<string>());
        Assert.Equal((path, status, type), (record["path"]!.GetValue<string>(), record["status"]!.GetValue<int>(), record["errorType"]?.GetValue<string>()));
    }

    [Fact]
    public async Task The_root_lists_every_surface_route()
    {
        var root = JsonNode.Parse(await Proxy.CreateClient().GetStringAsync("/", TestContext.Current.CancellationToken))!;

        var endpoints = root["endpoints"]!.AsArray().Select(e => e!.GetValue<string>()).ToArray();
        Assert.Equal(["/v1/messages", "/messages", "/v1/messages/count_tokens", "/v1/chat/completions", "/v1/models", "/telemetry/requests", "/health", "/alive"], endpoints);
    }

    [Theory]
    [InlineData("POST", "/V1/Chat/Completions/", HttpStatusCode.BadRequest, true, "/v1/chat/completions")]
    [InlineData("GET", "/v1/chat/completions/", HttpStatusCode.MethodNotAllowed, true, "/v1/chat/completions")]
    [InlineData("GET", "/MESSAGES", HttpStatusCode.MethodNotAllowed, false, "/messages")]
    [InlineData("POST", "/v1/chat/completions/extra", HttpStatusCode.NotFound, false, null)]
    [InlineData("POST", "/v1/chat", HttpStatusCode.NotFound, false, null)]
    public async Task Routes_match_by_case_and_trailing_slash_and_other_paths_are_answered_in_anthropic_shape(
        string method, string path, HttpStatusCode status, bool openAI, string? recordedPath)
    {
        var ct = TestContext.Current.CancellationToken;
        var client = Proxy.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = new StringContent("{\"messages\":[]}", Encoding.UTF8, "application/json");
        }

        var response = await client.SendAsync(request, ct);

        Assert.Equal(status, response.StatusCode);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
        Assert.Equal(openAI ? null : "error", answer["type"]?.GetValue<string>());
        Assert.NotNull(answer["error"]?["message"]);
        var records = JsonNode.Parse(await client.GetStringAsync("/telemetry/requests?limit=1", ct))!.AsArray();
        Assert.Equal(recordedPath, records.FirstOrDefault()?["path"]?.GetValue<string>());
    }
}
