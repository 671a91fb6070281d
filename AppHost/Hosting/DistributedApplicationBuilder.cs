namespace AgentRelay.AppHost.Hosting;

/// <summary>The app model: resources and how they relate, plus configuration from the command line and environment.</summary>
public sealed class DistributedApplicationBuilder
{
    internal DistributedApplicationBuilder(string[] args)
    {
        Configuration = new ConfigurationManager();
        Configuration.AddEnvironmentVariables();
        Configuration.AddCommandLine(args);
        Options = AppHostOptions.From(Configuration);
        ForwardedArgs = AppHostOptions.WithoutOwnFlags(args);
    }

    /// <summary>Command-line arguments that are not the AppHost's own (<c>--Backend:Kind=AnthropicApi</c>); every project replica gets them.</summary>
    public IReadOnlyList<string> ForwardedArgs { get; }

    public ConfigurationManager Configuration { get; }

    public AppHostOptions Options { get; }

    public List<Resource> Resources { get; } = [];

    public ResourceBuilder<RedisResource> AddRedis(string name) => Add(new RedisResource(name));

    public ResourceBuilder<ProjectResource> AddProject<TProject>(string name)
        where TProject : IProjectMetadata, new() => Add(new ProjectResource(name, new TProject()));

    public DistributedApplication Build() => new(this);

    private ResourceBuilder<T> Add<T>(T resource)
        where T : Resource
    {
        if (Resources.Any(existing => existing.Name == resource.Name))
        {
            throw new InvalidOperationException($"A resource named '{resource.Name}' already exists.");
        }

        Resources.Add(resource);
        return new ResourceBuilder<T>(this, resource);
    }
}
