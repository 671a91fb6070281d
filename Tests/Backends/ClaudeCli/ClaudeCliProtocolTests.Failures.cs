using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;
using AgentRelay.ProxyService.Backends.ClaudeCli;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Backends.ClaudeCli;

/// <summary>How the driver reports a CLI that fails: API errors, rejected command lines, crashes, a missing executable, cancellation.</summary>
public sealed partial class ClaudeCliProtocolTests
{
    public static TheoryData<string, int?, string?, int, string> ApiErrors => new()
    {
        { "rate_limit", 429, "rate_limit_error", 429, AnthropicErrorTypes.RateLimit },
        { "overloaded", 529, "overloaded_error", 529, AnthropicErrorTypes.Overloaded },
        { "authentication_failed", null, null, 401, AnthropicErrorTypes.Authentication },
        { "unknown", 401, "authentication_error", 401, AnthropicErrorTypes.Authentication },
        { "invalid_request", 400, "invalid_request_error", 400, AnthropicErrorTypes.InvalidRequest },
        { "server_error", 500, "api_error", 500, AnthropicErrorTypes.Api },
        { "model_not_found", 404, "not_found_error", 404, AnthropicErrorTypes.NotFound },
    };

    [Theory]
    [MemberData(nameof(ApiErrors))]
    public async Task Api_errors_are_classified_from_structured_data(string code, int? status, string? apiType, int expectedStatus, string expectedType)
    {
        using var fake = new FakeCli(
            FakeCli.Start(),
            FakeCli.Out(FakeCli.ApiError(code, "API Error: something", status, apiType)),
            FakeCli.Out(FakeCli.Result(isError: true, text: "API Error: something", apiErrorStatus: status, stopReason: "stop_sequence")),
            FakeCli.Exit(1));
        using var harness = CliHarness.For(fake);

        var failure = CliHarness.SingleFailure(await harness.RunAsync(CliHarness.Body()));

        Assert.Equal(expectedStatus, failure.Status);
        Assert.Equal(expectedType, failure.Type);
        if (expectedStatus == 401)
        {
            Assert.Contains("claude login", failure.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Command_line_rejection_is_a_request_error_never_an_authentication_error()
    {
        // The reference proxy's trap: the backend CLI rejected a client's thinking field, exited 1, and that became 401.
        using var fake = new FakeCli(
            FakeCli.Await("initialize"),
            FakeCli.Err("error: option '--thinking-display <display>' argument 'updates' is invalid. Allowed choices are summarized, omitted, highlights."),
            FakeCli.Exit(1));
        using var harness = CliHarness.For(fake);

        var failure = CliHarness.SingleFailure(await harness.RunAsync(CliHarness.Body()));

        Assert.Equal(400, failure.Status);
        Assert.Equal(AnthropicErrorTypes.InvalidRequest, failure.Type);
        Assert.Contains("argument 'updates' is invalid", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Crash_without_a_result_reports_the_exit_code_and_stderr_without_secrets()
    {
        using var fake = new FakeCli(
            FakeCli.Start(),
            FakeCli.Err("fatal: lost the plot (key sk-ant-api03-VERYSECRETKEY123456, Authorization: Bearer abcdefghijklmnop)"),
            FakeCli.Exit(134));
        using var harness = CliHarness.For(fake);

        var failure = CliHarness.SingleFailure(await harness.RunAsync(CliHarness.Body()));

        Assert.Equal(502, failure.Status);
        Assert.Equal(AnthropicErrorTypes.Api, failure.Type);
        Assert.Contains("code 134", failure.Message, StringComparison.Ordinal);
        Assert.Contains("lost the plot", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("VERYSECRET", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("abcdefghijklmnop", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Text_is_only_the_fallback_when_nothing_structured_is_known()
    {
        using var fake = new FakeCli(
            FakeCli.Start(),
            FakeCli.Out(FakeCli.Result("error_during_execution", isError: true, text: "Request timed out after 600s")),
            FakeCli.Exit(1));
        using var harness = CliHarness.For(fake);

        var failure = CliHarness.SingleFailure(await harness.RunAsync(CliHarness.Body()));

        Assert.Equal(504, failure.Status);
        Assert.Equal(AnthropicErrorTypes.Timeout, failure.Type);
    }

    [Fact]
    public async Task Missing_executable_is_503_with_the_install_command()
    {
        using var harness = new CliHarness("/nonexistent/claude", new Dictionary<string, string>());

        var failure = CliHarness.SingleFailure(await harness.RunAsync(CliHarness.Body()));

        Assert.Equal(503, failure.Status);
        Assert.Equal(ProxyError.BackendUnavailable, failure.Stage);
        Assert.Contains("npm install -g @anthropic-ai/claude-code", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelled_request_interrupts_then_kills_the_process_tree_within_a_second()
    {
        // A CLI that ignores both the interrupt and the end of its stdin, with a child of its own.
        using var fake = new FakeCli(
            FakeCli.IgnoreStdinEnd(),
            FakeCli.Child(),
            FakeCli.Start(),
            FakeCli.Turn(AnthropicStreams.Text("partial").Take(3)),
            FakeCli.Sleep(60_000));
        using var harness = CliHarness.For(fake);
        using var cancellation = new CancellationTokenSource();
        var events = new List<BackendEvent>();
        int? childPid = null;
        var pid = 0;
        try
        {
            var run = Task.Run(async () =>
            {
                await foreach (var item in harness.Client.StreamAsync(CliHarness.Request(CliHarness.Body()), cancellation.Token))
                {
                    events.Add(item);
                    if (item is MessageStreamEvent { Type: "content_block_start" })
                    {
                        await cancellation.CancelAsync();
                    }
                }
            }, s_none);

            var cancelled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            Assert.NotNull(cancelled);
            pid = harness.Registry.RecentIds.Single();
            childPid = fake.Log().FirstOrDefault(e => e.ContainsKey("child"))?["child"]?.GetValue<int>();

            // By the time the call returned, the CLI was interrupted, given 1 s, killed with its tree, and reaped.
            Assert.True(Processes.IsGone(pid), $"CLI {pid} still exists ({Processes.State(pid)})");
            Assert.NotNull(childPid);
            Assert.NotNull(await Processes.WaitUntilAsync(() => Processes.IsStopped(childPid.Value), TimeSpan.FromSeconds(2)));
            Assert.Contains(fake.Inputs, i => i["request"]?["subtype"]?.GetValue<string>() == "interrupt");
            Assert.Equal(0, harness.Registry.RunningCount);
        }
        finally
        {
            if (pid != 0)
            {
                Processes.KillIfRunning(pid);
            }

            if (childPid is { } child)
            {
                Processes.KillIfRunning(child);
            }
        }
    }

    [Fact]
    public async Task Cancelled_request_lets_a_cooperative_cli_exit_on_its_own()
    {
        using var fake = new FakeCli(
            FakeCli.Start(),
            FakeCli.Turn(AnthropicStreams.Text("partial").Take(3)),
            FakeCli.Await("interrupt"),
            FakeCli.Out(FakeCli.Result("error_during_execution", isError: true, text: null)),
            FakeCli.Exit(1));
        using var harness = CliHarness.For(fake);
        using var cancellation = new CancellationTokenSource();

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var item in harness.Client.StreamAsync(CliHarness.Request(CliHarness.Body()), cancellation.Token))
            {
                if (item is MessageStreamEvent { Type: "content_block_start" })
                {
                    watch.Restart();
                    await cancellation.CancelAsync();
                }
            }
        });

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"took {watch.Elapsed}");
        Assert.True(Processes.IsGone(harness.Registry.RecentIds.Single()));
        Assert.Contains(fake.Log(), e => e["exit"]?.GetValue<int>() == 1);
    }
}
