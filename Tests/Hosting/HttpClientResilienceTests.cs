using AgentRelay.ProxyService.Backends.AnthropicApi;
using AgentRelay.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;

namespace AgentRelay.Tests.Hosting;

/// <summary>
/// ServiceDefaults gives ordinary HttpClients the standard resilience handler, whose 10 s attempt and 30 s total
/// timeouts would cut long model streams and whose retries would stack on the proxy's own: the upstream client has none.
/// </summary>
public sealed class HttpClientResilienceTests : ProxyOverFakeUpstream
{
    private IEnumerable<Type> HandlerChain(string clientName)
    {
        var factory = Proxy.Services.GetRequiredService<IHttpMessageHandlerFactory>();
        for (HttpMessageHandler? handler = factory.CreateHandler(clientName); handler is not null; handler = (handler as DelegatingHandler)?.InnerHandler)
        {
            yield return handler.GetType();
        }
    }

    [Fact]
    public void The_llm_upstream_client_has_no_resilience_handler_and_no_timeout()
    {
        var chain = HandlerChain(AnthropicApiClient.HttpClientName).ToList();

        Assert.DoesNotContain(chain, type => type == typeof(ResilienceHandler));
        Assert.Equal(typeof(SocketsHttpHandler), chain[^1]);
        var client = Proxy.Services.GetRequiredService<IHttpClientFactory>().CreateClient(AnthropicApiClient.HttpClientName);
        Assert.Equal(Timeout.InfiniteTimeSpan, client.Timeout);
    }

    [Fact]
    public void An_ordinary_client_gets_the_standard_resilience_handler()
    {
        Assert.Contains(HandlerChain("any-other-client"), type => type == typeof(ResilienceHandler));
    }
}
