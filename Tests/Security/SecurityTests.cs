using System.Net;
using System.Text;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Security;

public sealed class SecurityTests : ProxyOverFakeUpstream
{
    private const string Key = "relay-test-key-123";

    protected override (string Key, string? Value)[] Settings => [("Proxy:ApiKey", Key)];

    private static HttpRequestMessage Messages(string? header = null, string? value = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = new StringContent("""{"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation(header, value);
        }

        return request;
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("x-api-key", "wrong")]
    [InlineData("x-api-key", Key + "x")]
    [InlineData("authorization", "Bearer wrong")]
    [InlineData("authorization", "Basic " + Key)]
    [InlineData("authorization", Key)]
    public async Task Missing_or_wrong_key_is_401_authentication_error(string? header, string? value)
    {
        var response = await Proxy.CreateClient().SendAsync(Messages(header, value), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        // Every /v1/messages response names the adapter, refusals included.
        Assert.Equal("opencode", response.Headers.GetValues("x-relay-adapter").Single());
        var error = await Endpoints.BadInputTests.ReadErrorAsync(response);
        Assert.Equal("authentication_error", error.Type);
        Assert.DoesNotContain(Key, error.Message);
        Assert.Empty(Upstream.Requests);
    }

    [Theory]
    [InlineData("x-api-key", Key)]
    [InlineData("authorization", "Bearer " + Key)]
    [InlineData("authorization", "bearer " + Key)]
    public async Task Right_key_in_either_header_is_accepted(string header, string value)
    {
        var response = await Proxy.CreateClient().SendAsync(Messages(header, value), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Wrong_x_api_key_does_not_fall_back_to_a_right_bearer()
    {
        var request = Messages("x-api-key", "wrong");
        request.Headers.TryAddWithoutValidation("authorization", "Bearer " + Key);

        var response = await Proxy.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/health")]
    [InlineData("/alive")]
    public async Task Open_routes_need_no_key(string path)
    {
        var response = await Proxy.CreateClient().GetAsync(path, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/v1/models")]
    [InlineData("/telemetry/requests")]
    [InlineData("/no-such-route")]
    public async Task Every_other_route_needs_the_key(string path)
    {
        var response = await Proxy.CreateClient().GetAsync(path, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task The_proxy_key_is_never_forwarded_upstream()
    {
        await Proxy.CreateClient().SendAsync(Messages("x-api-key", Key), TestContext.Current.CancellationToken);

        var sent = Upstream.Requests.Single();
        Assert.DoesNotContain(sent.Headers.Values, value => value.Contains(Key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task No_cors_headers_unless_configured()
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/v1/messages");
        request.Headers.Add("Origin", "https://evil.example");
        request.Headers.Add("Access-Control-Request-Method", "POST");

        var preflight = await Proxy.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);
        var health = new HttpRequestMessage(HttpMethod.Get, "/health");
        health.Headers.Add("Origin", "https://evil.example");
        var simple = await Proxy.CreateClient().SendAsync(health, TestContext.Current.CancellationToken);

        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(simple.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Configured_cors_origin_is_allowed_and_others_are_not()
    {
        await using var proxy = ProxyFactory.ForUpstream(Upstream, ("Proxy:CorsOrigins:0", "http://localhost:5173"));
        var allowed = new HttpRequestMessage(HttpMethod.Options, "/v1/messages");
        allowed.Headers.Add("Origin", "http://localhost:5173");
        allowed.Headers.Add("Access-Control-Request-Method", "POST");
        var other = new HttpRequestMessage(HttpMethod.Options, "/v1/messages");
        other.Headers.Add("Origin", "https://evil.example");
        other.Headers.Add("Access-Control-Request-Method", "POST");

        var allowedResponse = await proxy.CreateClient().SendAsync(allowed, TestContext.Current.CancellationToken);
        var otherResponse = await proxy.CreateClient().SendAsync(other, TestContext.Current.CancellationToken);

        Assert.Equal("http://localhost:5173", allowedResponse.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(otherResponse.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task A_secret_echoed_by_the_upstream_is_masked_for_the_client()
    {
        await using var proxy = ProxyFactory.ForUpstream(Upstream, ("Backend:ApiKey", "sk-ant-upstream-secret-999"));
        Upstream.Enqueue(Replies.Error(401, "authentication_error", "invalid x-api-key: sk-ant-upstream-secret-999"));

        var response = await proxy.CreateClient().SendAsync(Messages(), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.DoesNotContain("sk-ant-upstream-secret-999", text);
        Assert.Contains("invalid x-api-key: ***", text);
    }

    [Fact]
    public async Task Secrets_never_reach_the_log_even_in_debug_mode()
    {
        await using var upstream = await FakeAnthropicServer.StartAsync();
        upstream.Enqueue(Replies.Error(401, "authentication_error", "bad key sk-ant-logged-secret-777"));
        await using var proxy = await ProxyProcess.StartAsync(new Dictionary<string, string>
        {
            ["Backend:Kind"] = "AnthropicApi",
            ["Backend:BaseUrl"] = upstream.BaseUrl,
            ["Backend:ApiKey"] = "sk-ant-logged-secret-777",
            ["Proxy:ApiKey"] = "proxy-logged-secret-555",
            ["Proxy:Debug"] = "true",
            ["Logging:LogLevel:Default"] = "Debug",
        });
        using var client = new HttpClient { BaseAddress = new Uri(proxy.BaseUrl) };
        var request = Messages("x-api-key", "proxy-logged-secret-555");

        var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        await Task.Delay(300, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Upstream answered 401", proxy.Output);
        // Debug mode names the headers, with credential values masked.
        Assert.Contains("x-api-key=***", proxy.Output);
        Assert.DoesNotContain("sk-ant-logged-secret-777", proxy.Output);
        Assert.DoesNotContain("proxy-logged-secret-555", proxy.Output);
    }
}
