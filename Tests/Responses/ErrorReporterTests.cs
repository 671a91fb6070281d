using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Responses;

/// <summary>
/// Error answers that never reach a backend (401 from the key check, 405 from routing, 413 and 400 from the intake)
/// go through the one reporter: written in the caller's dialect and recorded with their error type.
/// </summary>
public sealed class ErrorReporterTests : ProxyOverFakeUpstream
{
    private const string Key = "reporter-test-key";

    protected override (string Key, string? Value)[] Settings => [("Proxy:ApiKey", Key), ("Proxy:MaxRequestBodyBytes", "2048")];

    [Theory]
    [InlineData("POST", "/v1/messages", false, HttpStatusCode.Unauthorized, "authentication_error")]
    [InlineData("POST", "/v1/chat/completions", false, HttpStatusCode.Unauthorized, "authentication_error")]
    [InlineData("GET", "/v1/messages", true, HttpStatusCode.MethodNotAllowed, "invalid_request_error")]
    [InlineData("GET", "/v1/chat/completions", true, HttpStatusCode.MethodNotAllowed, "invalid_request_error")]
    [InlineData("POST", "/v1/messages", true, HttpStatusCode.RequestEntityTooLarge, "request_too_large")]
    [InlineData("POST", "/v1/chat/completions", true, HttpStatusCode.BadRequest, "invalid_request_error")]
    public async Task Refusals_are_answered_in_the_dialect_and_recorded_with_their_error_type(
        string method, string path, bool withKey, HttpStatusCode status, string errorType)
    {
        var client = Proxy.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (withKey)
        {
            request.Headers.Add("x-api-key", Key);
        }

        if (method == "POST")
        {
            var body = status == HttpStatusCode.RequestEntityTooLarge ? new string('x', 4096) : "{\"messages\":[]}";
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(status, response.StatusCode);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        var openAI = path == "/v1/chat/completions";
        var error = answer["error"]!;
        Assert.Equal(openAI ? null : "error", answer["type"]?.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(error["message"]!.GetValue<string>()));

        using var records = new HttpRequestMessage(HttpMethod.Get, "/telemetry/requests?limit=1");
        records.Headers.Add("x-api-key", Key);
        var record = JsonNode.Parse(await (await client.SendAsync(records, TestContext.Current.CancellationToken)).Content
            .ReadAsStringAsync(TestContext.Current.CancellationToken))![0]!;
        Assert.Equal(path, record["path"]!.GetValue<string>());
        Assert.Equal((int)status, record["status"]!.GetValue<int>());
        Assert.Equal(errorType, record["errorType"]?.GetValue<string>());
        Assert.Empty(Upstream.Requests);
    }
}
