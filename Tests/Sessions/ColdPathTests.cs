using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Backends.ClaudeCli;
using AgentRelay.Tests.Backends.ClaudeCli;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Sessions;

/// <summary>
/// The cold path with the real <c>claude</c> CLI (2.1.330) and no warm process (<c>Sessions:MaxWarm=0</c>): a session
/// the CLI no longer has is retried once from the client's history, and a working directory reached through a
/// symbolic link still finds the CLI's own transcripts (the CLI keeps them under its physical working directory).
/// </summary>
public sealed class ColdPathTests
{
    private static readonly Dictionary<string, string> s_coldOnly = new() { ["Sessions:MaxWarm"] = "0" };

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_session_the_CLI_rejects_is_retried_once_from_a_fresh_transcript_before_anything_reaches_the_client()
    {
        await using var proxy = await RealCliProxy.StartAsync(settings: s_coldOnly);
        var conversation = new CliConversation("litellm-stale");
        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("Hello Ada.")));
        conversation.User("My name is Ada.");
        await conversation.SendAsync(proxy.Http, Cancel);
        var afterTurnOne = proxy.Processes.RecentIds.Count;

        // The session the store names is still on disk, but the CLI cannot read it: "No conversation found with session ID".
        var transcripts = Directory.GetFiles(Path.Combine(proxy.Home, ".claude", "projects"), "*.jsonl", SearchOption.AllDirectories);
        Assert.NotEmpty(transcripts);
        foreach (var transcript in transcripts)
        {
            await File.WriteAllTextAsync(transcript, string.Empty, Cancel);
        }

        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("Your name is Ada.")));
        conversation.User("What is my name?");
        var answer = await conversation.SendAsync(proxy.Http, Cancel);

        Assert.Equal("Your name is Ada.", answer["content"]![0]!["text"]!.GetValue<string>());
        // Two CLI runs for turn 2: the resume the CLI refused (it never called the upstream), then the fresh transcript.
        Assert.Equal(afterTurnOne + 2, proxy.Processes.RecentIds.Count);
        Assert.Equal(2, proxy.Upstream.Requests.Count(r => r.Body?["messages"] is not null));
        var turn2 = proxy.Upstream.Requests.Last().Body!;
        Assert.Equal([("user", "My name is Ada."), ("assistant", "Hello Ada."), ("user", "What is my name?")], UpstreamTurns.Texts(turn2));
        UpstreamTurns.AssertNoFlattenedHistory(turn2);
        Assert.Equal(["new", "continuation"], await CliConversation.LineagesAsync(proxy.Http, 2, Cancel));
        await proxy.AssertNoCliProcessLeftAsync();
    }

    [Fact]
    public async Task A_working_directory_behind_a_symbolic_link_continues_the_CLIs_own_session_and_its_transcript_is_tracked()
    {
        using var directories = new TempDirectory("relay-symlinked-cwd-");
        var real = directories.Sub("real");
        var link = directories.Combine("link");
        Directory.CreateSymbolicLink(link, real);
        await using var proxy = await RealCliProxy.StartAsync(settings: s_coldOnly);
        var conversation = new CliConversation("litellm-symlinked");
        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("Hello Ada.")));
        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("Your name is Ada.")));
        conversation.User($"<env cwd=\"{link}\"></env> My name is Ada.");
        await conversation.SendAsync(proxy.Http, Cancel);
        conversation.User("What is my name?");
        await conversation.SendAsync(proxy.Http, Cancel);

        var projects = Path.Combine(proxy.Home, ".claude", "projects");
        // The CLI resolved the link; the proxy looked there, so turn 2 resumed the CLI's own session and wrote no
        // transcript of its own (those carry "msg_relay_" assistant ids).
        Assert.Equal([CliTranscript.ProjectDirectory(proxy.Home, real)], Directory.GetDirectories(projects));
        Assert.DoesNotContain(Directory.GetFiles(projects, "*.jsonl", SearchOption.AllDirectories), path => File.ReadAllText(path).Contains("msg_relay_", StringComparison.Ordinal));
        UpstreamTurns.AssertNoFlattenedHistory(proxy.Upstream.Requests.Last().Body!);
        Assert.Equal(3, UpstreamTurns.Texts(proxy.Upstream.Requests.Last().Body!).Count);

        // Every session the proxy ran is tracked for cleanup at the path where the CLI really wrote it.
        var markers = Directory.GetFiles(CliTranscriptJanitor.MarkerDirectory(proxy.Home));
        Assert.Equal(2, markers.Length);
        Assert.All(markers, marker => Assert.True(File.Exists(File.ReadAllText(marker)), $"marker {Path.GetFileName(marker)} points at a missing transcript"));
        await proxy.AssertNoCliProcessLeftAsync();
    }

    [Fact]
    public void PhysicalPath_resolves_every_link_along_the_path()
    {
        using var directories = new TempDirectory("relay-physical-path-");
        var real = Directory.CreateDirectory(directories.Combine("real", "project")).FullName;
        var outer = directories.Combine("outer");
        Directory.CreateSymbolicLink(outer, directories.Combine("real"));
        var chained = directories.Combine("chained");
        Directory.CreateSymbolicLink(chained, outer);

        Assert.Equal(real, CliInvocation.PhysicalPath(Path.Combine(outer, "project")));
        Assert.Equal(real, CliInvocation.PhysicalPath(Path.Combine(chained, "project")));
        Assert.Equal(real, CliInvocation.PhysicalPath(real));
        var missing = directories.Combine("no-such-dir", "x");
        Assert.Equal(missing, CliInvocation.PhysicalPath(missing));
    }
}
