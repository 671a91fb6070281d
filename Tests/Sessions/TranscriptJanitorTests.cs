using AgentRelay.ProxyService.Backends.ClaudeCli;
using AgentRelay.ProxyService.Configuration;
using AgentRelay.Tests.Backends.ClaudeCli;
using AgentRelay.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AgentRelay.Tests.Sessions;

/// <summary>
/// The transcripts the proxy owns stay within <c>Sessions:Ttl</c> and <c>Sessions:TranscriptBudgetBytes</c>, oldest
/// first, and nothing it did not track (the user's own sessions, paths outside the CLI's projects) is ever deleted.
/// </summary>
public sealed class TranscriptJanitorTests : IDisposable
{
    private const int TranscriptBytes = 400 * 1024;

    private readonly TempDirectory _home = new("relay-janitor-");
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    public void Dispose() => _home.Dispose();

    [Fact]
    public void Over_the_disk_budget_the_least_recently_used_transcripts_go_first_until_the_rest_fit()
    {
        var janitor = Janitor(new SessionsOptions { TranscriptBudgetBytes = 1024 * 1024 });
        var oldest = Transcript(janitor, "s-oldest", TimeSpan.FromHours(3));
        var middle = Transcript(janitor, "s-middle", TimeSpan.FromHours(2));
        var newest = Transcript(janitor, "s-newest", TimeSpan.FromHours(1));
        var users = UntrackedTranscript("users-own-session");

        // 3 × 400 KiB is over 1 MiB: only the oldest has to go.
        Assert.Equal(1, janitor.Sweep(_home.Path));

        Assert.False(File.Exists(oldest));
        Assert.False(File.Exists(Path.Combine(CliTranscriptJanitor.MarkerDirectory(_home.Path), "s-oldest")));
        Assert.True(File.Exists(middle));
        Assert.True(File.Exists(newest));
        Assert.True(File.Exists(users));
        Assert.Equal(0, janitor.Sweep(_home.Path));
    }

    [Fact]
    public void Past_the_ttl_a_transcript_goes_whatever_the_budget_and_a_use_keeps_it()
    {
        var janitor = Janitor(new SessionsOptions { Ttl = TimeSpan.FromDays(1) });
        var expired = Transcript(janitor, "s-expired", TimeSpan.FromDays(2));
        var used = Transcript(janitor, "s-used", TimeSpan.FromDays(2));
        janitor.Track(_home.Path, "s-used", used);

        Assert.Equal(1, janitor.Sweep(_home.Path));

        Assert.False(File.Exists(expired));
        Assert.True(File.Exists(used));
    }

    [Fact]
    public void A_marker_pointing_outside_the_CLIs_projects_is_dropped_and_its_file_left_alone()
    {
        var janitor = Janitor(new SessionsOptions { Ttl = TimeSpan.FromDays(1) });
        var outside = _home.Combine("precious.txt");
        File.WriteAllText(outside, "not a transcript");
        var escaping = Path.Combine(CliTranscript.ProjectDirectory(_home.Path, "/work/project"), "..", "..", "..", "precious.txt");
        janitor.Track(_home.Path, "s-escaping", escaping);
        janitor.Track(_home.Path, "s-outside", outside);

        Assert.Equal(2, janitor.Sweep(_home.Path));

        Assert.True(File.Exists(outside));
        Assert.Empty(Directory.GetFiles(CliTranscriptJanitor.MarkerDirectory(_home.Path)));
    }

    private CliTranscriptJanitor Janitor(SessionsOptions options) => new(
        new FixedOptions<SessionsOptions>(options),
        new FixedOptions<BackendOptions>(new BackendOptions()),
        _time,
        NullLogger<CliTranscriptJanitor>.Instance);

    /// <summary>A transcript the proxy tracks, last used <paramref name="age"/> ago.</summary>
    private string Transcript(CliTranscriptJanitor janitor, string sessionId, TimeSpan age)
    {
        var path = CliTranscript.PathOf(_home.Path, "/work/project", sessionId);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, new byte[TranscriptBytes]);
        janitor.Track(_home.Path, sessionId, path);
        File.SetLastWriteTimeUtc(Path.Combine(CliTranscriptJanitor.MarkerDirectory(_home.Path), sessionId), (_time.GetUtcNow() - age).UtcDateTime);
        return path;
    }

    private string UntrackedTranscript(string sessionId)
    {
        var path = CliTranscript.PathOf(_home.Path, "/work/project", sessionId);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, new byte[TranscriptBytes]);
        File.SetLastWriteTimeUtc(path, (_time.GetUtcNow() - TimeSpan.FromDays(30)).UtcDateTime);
        return path;
    }
}
