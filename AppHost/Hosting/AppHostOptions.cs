namespace AgentRelay.AppHost.Hosting;

/// <summary>
/// The AppHost's own settings, from the command line (<c>--dashboard-port 18888</c>) or the environment
/// (<c>AppHost__DashboardPort</c>). Checked when the builder is created, so a typo stops it before anything starts.
/// </summary>
public sealed record AppHostOptions
{
    /// <summary>Dashboard port on 127.0.0.1 (0 = a free one). <value>18888, Aspire's dashboard port.</value></summary>
    public int DashboardPort { get; init; } = 18888;

    /// <summary>Where resources keep data (Redis's dump). <value><c>.state/apphost</c> in the repository.</value></summary>
    public required string StateDirectory { get; init; }

    /// <summary>How long a process gets between SIGTERM and SIGKILL. <value>10 s.</value></summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a dependency may take to become healthy before dependants start without it. <value>20 s.</value></summary>
    public TimeSpan WaitTimeout { get; init; } = TimeSpan.FromSeconds(20);

    public RestartPolicy Restart { get; init; } = new();

    public static AppHostOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection("AppHost");
        string? Read(string key, string flag) => configuration[flag] ?? section[key];
        var options = new AppHostOptions
        {
            DashboardPort = ParseInt(Read("DashboardPort", "dashboard-port"), 18888, "dashboard-port"),
            StateDirectory = Path.GetFullPath(Read("StateDirectory", "state-dir")
                ?? Path.Combine(BuildMetadata.Get("RepositoryDirectory"), ".state", "apphost")),
            ShutdownTimeout = TimeSpan.FromSeconds(ParseInt(Read("ShutdownTimeoutSeconds", "shutdown-timeout"), 10, "shutdown-timeout")),
        };
        if (options.DashboardPort is < 0 or > 65535)
        {
            throw new ArgumentException($"dashboard-port must be 0..65535, not {options.DashboardPort}.");
        }

        return options;
    }

    /// <summary>The AppHost's own command-line flags; everything else is passed on to the projects.</summary>
    public static readonly IReadOnlySet<string> OwnFlags = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "--replicas", "--port", "--dashboard-port", "--state-dir", "--shutdown-timeout",
    };

    public static List<string> WithoutOwnFlags(IReadOnlyList<string> args)
    {
        var forwarded = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i].Split('=', 2)[0];
            if (!OwnFlags.Contains(name))
            {
                forwarded.Add(args[i]);
            }
            else if (!args[i].Contains('=', StringComparison.Ordinal))
            {
                i++;
            }
        }

        return forwarded;
    }

    private static int ParseInt(string? value, int fallback, string name) =>
        value is null ? fallback
        : int.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed
        : throw new ArgumentException($"--{name} must be a whole number, not '{value}'.");
}
