using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentRelay.ProxyService.Adapters;
using AgentRelay.ProxyService.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRelay.Tests.Adapters;

/// <summary>
/// What every adapter must satisfy (Aspire's ConformanceTests). Each adapter's test class inherits this and states its
/// expected values; the facts below then run once per adapter.
/// </summary>
public abstract partial class AgentAdapterConformanceTests
{
    protected abstract string ExpectedName { get; }

    protected abstract string ExpectedMcpServer { get; }

    protected virtual bool ExpectedPassthrough => true;

    protected virtual bool ExpectedKeepThinking => true;

    /// <summary>The header that carries the agent's session id, or <see langword="null"/> when it has none.</summary>
    protected abstract string? SessionHeader { get; }

    /// <summary>A request in which the agent reports <paramref name="path"/> as its working directory the way it really
    /// does, or <see langword="null"/> when the agent reports none.</summary>
    protected abstract JsonObject? RequestReportingWorkingDirectory(string path);

    /// <summary>Whether the reported directory is used for the backend process (not only as the client's).</summary>
    protected virtual bool BackendUsesReportedDirectory => true;

    protected IAgentAdapter Adapter => Registry.Get(ExpectedName);

    private ServiceProvider Services { get; } = AdapterTestHost.Services();

    private AgentAdapterRegistry Registry => Services.GetRequiredService<AgentAdapterRegistry>();

    private AgentResolver Resolver => Services.GetRequiredService<AgentResolver>();

    [Fact]
    public void Is_registered_under_its_lower_case_name()
    {
        Assert.Equal(ExpectedName, Adapter.Name);
        Assert.Equal(ExpectedName.ToLowerInvariant(), Adapter.Name);
        Assert.Contains(ExpectedName, Registry.Names);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Explicit_override_selects_it_whatever_the_user_agent(bool upperCase)
    {
        var value = upperCase ? ExpectedName.ToUpperInvariant() : ExpectedName;
        var headers = AdapterTestHost.Headers($"x-relay-agent={value}|user-agent=factory-cli/0.215.0|x-litellm-api-key=sk|x-session-affinity=ses_1");

        var detection = Services.GetRequiredService<AgentDetector>().Detect(headers);

        Assert.Same(Adapter, detection.Adapter);
        Assert.Equal($"override:{ExpectedName}", detection.Reason);
    }

    [Fact]
    public void Declares_its_mcp_server_with_a_name_the_cli_keeps_unchanged()
    {
        Assert.Equal(ExpectedMcpServer, Adapter.McpServerName);
        Assert.Matches(McpServerNamePattern(), Adapter.McpServerName);
    }

    [Fact]
    public void Blocks_the_cli_built_ins_that_act_on_the_proxy_host()
    {
        foreach (var tool in new[] { "Bash", "Read", "Write", "Edit", "Glob", "Grep", "WebFetch", "Agent" })
        {
            Assert.Contains(tool, Adapter.BlockedBuiltinTools);
        }

        Assert.Equal(Adapter.BlockedBuiltinTools.Count, Adapter.BlockedBuiltinTools.Distinct(StringComparer.Ordinal).Count());
        Assert.DoesNotContain("ToolSearch", Adapter.BlockedBuiltinTools);
    }

    [Fact]
    public void Policy_carries_exactly_the_declared_values()
    {
        var policy = Resolver.CreatePolicy(Adapter, AdapterTestHost.Request());

        Assert.Equal(ExpectedMcpServer, policy.McpServerName);
        Assert.Equal(ExpectedPassthrough, policy.PassthroughTools);
        Assert.Equal(ExpectedPassthrough, Adapter.PassthroughTools);
        Assert.Equal(ExpectedKeepThinking, policy.KeepThinking);
        Assert.Equal(Adapter.BlockedBuiltinTools, policy.BlockedBuiltinTools);
        Assert.Null(policy.WorkingDirectory);
        Assert.Null(policy.ClientWorkingDirectory);
        Assert.Null(policy.SystemPromptAddendum);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(null, false)]
    public void Streaming_follows_the_client(bool? clientStream, bool expected)
    {
        var request = new MessagesRequest(AdapterTestHost.Request(extra: clientStream is null ? "" : $"\"stream\":{clientStream.Value.ToString().ToLowerInvariant()},"));

        Assert.Equal(expected, Adapter.PrefersStreaming(request));
    }

    [Fact]
    public void Session_id_comes_only_from_its_own_header()
    {
        var unrelated = AdapterTestHost.Headers("x-request-id=r1|x-relay-source=abc");
        Assert.Null(Adapter.GetSessionId(unrelated));
        if (SessionHeader is null)
        {
            Assert.Null(Adapter.GetSessionId(AdapterTestHost.Headers("x-session-affinity=ses_1|x-litellm-session-id=L1|x-claude-code-session-id=c1")));
            return;
        }

        var session = Adapter.GetSessionId(AdapterTestHost.Headers($"{SessionHeader}=  sess-42  "));
        Assert.Equal(new AgentSessionHeader(SessionHeader, "sess-42"), session);
        Assert.Null(Adapter.GetSessionId(AdapterTestHost.Headers($"{SessionHeader}=   ")));
    }

    [Fact]
    public void Hashing_treats_a_string_and_the_same_text_block_alike_and_ignores_cache_control()
    {
        var asString = JsonValue.Create("hello");
        var asBlock = JsonNode.Parse("""[{"type":"text","text":"hello","cache_control":{"type":"ephemeral"}}]""");

        Assert.Equal(Adapter.NormalizeContent(asString), Adapter.NormalizeContent(asBlock));
    }

    [Fact]
    public void Reported_working_directory_is_extracted()
    {
        var body = RequestReportingWorkingDirectory("/home/dev/project");
        if (body is null)
        {
            Assert.Null(Adapter.ExtractWorkingDirectory(AdapterTestHost.Request("\"Working directory: /x\"", "\"cwd=\\\"/x\\\"\"")));
            return;
        }

        Assert.Equal("/home/dev/project", BackendUsesReportedDirectory ? Adapter.ExtractWorkingDirectory(body) : Adapter.ExtractClientWorkingDirectory(body));
    }

    [Fact]
    public void Existing_directory_runs_the_backend_and_a_foreign_one_only_informs_the_model()
    {
        var existing = Directory.CreateTempSubdirectory("relay-adapter-");
        try
        {
            var here = RequestReportingWorkingDirectory(existing.FullName);
            if (here is null)
            {
                return;
            }

            var local = Resolver.CreatePolicy(Adapter, here);
            Assert.Equal(existing.FullName, local.ClientWorkingDirectory);
            Assert.Equal(BackendUsesReportedDirectory ? existing.FullName : null, local.WorkingDirectory);
            Assert.Equal(BackendUsesReportedDirectory, local.SystemPromptAddendum is null);

            var foreign = Resolver.CreatePolicy(Adapter, RequestReportingWorkingDirectory("/nonexistent/relay/client/dir")!);
            Assert.Null(foreign.WorkingDirectory);
            Assert.Equal("/nonexistent/relay/client/dir", foreign.ClientWorkingDirectory);
            Assert.Contains("Always treat \"/nonexistent/relay/client/dir\" as the working directory", foreign.SystemPromptAddendum);
        }
        finally
        {
            existing.Delete(recursive: true);
        }
    }

    [Fact]
    public void Holds_no_per_request_state()
    {
        var type = Adapter.GetType();
        for (var current = type; current is not null && current != typeof(object); current = current.BaseType)
        {
            var fields = current.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly);
            Assert.All(fields, field => Assert.True(field.IsInitOnly, $"{current.Name}.{field.Name} is mutable"));
        }

        Assert.Contains(AdapterTestHost.Services().GetServices<IAgentAdapter>(), registered => registered.GetType() == type);
    }

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex McpServerNamePattern();
}
