using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Backends.ClaudeCli;

/// <summary>
/// One CLI run for one request: its arguments, per-request environment, working directory and the lines written to
/// stdin first (<c>initialize</c>, then the user message, if any: see <see cref="CliColdStart"/>). Request fields the
/// CLI cannot honour are listed in <see cref="Ignored"/> (logged at debug level, never an error).
/// </summary>
public sealed record CliInvocation(
    IReadOnlyList<string> Arguments,
    IReadOnlyDictionary<string, string> Environment,
    string WorkingDirectory,
    JsonObject Initialize,
    JsonObject? UserMessage,
    McpToolServer? Tools,
    IReadOnlyList<string> Ignored)
{
    /// <summary>A hash of <see cref="Initialize"/>: a warm process serves only requests that would initialize it alike.</summary>
    public string InitKey { get; } = Runtime.CliTurn.Fingerprint(Initialize);

    /// <summary>Turns one CLI run may take (internal tool use included); the first client tool call ends it anyway.</summary>
    public const int MaxTurns = 100;

    public const string InitializeRequestId = "relay-init";

    /// <summary>Longest system prompt passed as an argument (Linux allows 128 KiB per argument).</summary>
    public const int MaxSystemPromptArgumentChars = 100_000;

    /// <summary>Body fields that are mapped (or are the conversation itself).</summary>
    private static readonly HashSet<string> s_mapped = new(StringComparer.Ordinal)
    {
        "model", "messages", "system", "stream", "max_tokens", "thinking", "tools", "output_config",
    };

    private static readonly HashSet<string> s_effortLevels = new(StringComparer.Ordinal) { "low", "medium", "high", "xhigh", "max" };

    public static CliInvocation Create(BackendRequest request, CliColdStart start)
    {
        var body = request.Message.Body;
        var context = request.Context;
        var agent = context.Agent;
        var ignored = new List<string>();
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        var arguments = new List<string>
        {
            "--output-format", "stream-json", "--verbose", "--input-format", "stream-json",
            // Always: the turn boundaries it carries are what lets a client tool call end the run exactly, and JSON
            // responses are aggregated from the same events as SSE ones.
            "--include-partial-messages",
            // Permission questions come to the proxy as can_use_tool control requests.
            "--permission-prompt-tool", "stdio",
            // No settings files: a user's ~/.claude/settings.json whose env points Claude Code at this proxy (what
            // `agentrelay setup claude-code` writes) would otherwise send every CLI run back to the proxy itself.
            "--setting-sources", string.Empty,
            $"--model={ClaudeModels.ToCliModel(request.Message.Model)}",
            $"--max-turns={MaxTurns}",
        };

        if (start.ResumeSessionId is { } resume)
        {
            arguments.Add($"--resume={resume}");
            if (start.ForkSession)
            {
                arguments.Add("--fork-session");
            }
        }

        foreach (var (name, value) in start.Environment)
        {
            environment[name] = value;
        }

        if (agent.BlockedBuiltinTools.Count > 0)
        {
            arguments.Add($"--disallowedTools={string.Join(',', agent.BlockedBuiltinTools)}");
        }

        if (JsonNumbers.Long(body["max_tokens"]) is { } max && max > 0)
        {
            environment["CLAUDE_CODE_MAX_OUTPUT_TOKENS"] = max.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        // A resumed session ignores initialize's system prompt (2.1.330 then uses its own default prompt); the
        // argument is honoured either way. Fresh runs keep it in initialize, as the Agent SDK does.
        var prompt = CliPrompt.Build(body, agent.SystemPromptAddendum, start);
        var systemPromptArgument = start.ResumeSessionId is not null && prompt.SystemPrompt is { Length: <= MaxSystemPromptArgumentChars };
        if (systemPromptArgument)
        {
            arguments.Add($"--system-prompt={prompt.SystemPrompt}");
        }

        MapThinking(body["thinking"] as JsonObject, arguments, ignored);
        MapEffort(body["output_config"] as JsonObject, arguments, ignored);
        MapBetas(request.Headers.AnthropicBeta, arguments, ignored);

        foreach (var (name, _) in body)
        {
            if (!s_mapped.Contains(name))
            {
                ignored.Add(name);
            }
        }

        var tools = agent.PassthroughTools ? McpToolServer.From(body["tools"] as JsonArray, agent.McpServerName) : null;
        if (tools is not null)
        {
            ignored.AddRange(tools.Skipped.Select(name => $"tools[{name}]"));
        }
        else if (body["tools"] is JsonArray { Count: > 0 })
        {
            ignored.Add("tools");
        }

        return new CliInvocation(
            arguments,
            environment,
            WorkingDirectoryFor(agent),
            StreamJson.Initialize(InitializeRequestId, systemPromptArgument ? null : prompt.SystemPrompt, tools is { Count: > 0 } ? tools : null),
            prompt.Content is null ? null : StreamJson.UserMessage(prompt.Content),
            tools is { Count: > 0 } ? tools : null,
            ignored);
    }

    /// <summary>The user line for a warm process that already holds the conversation up to message
    /// <paramref name="from"/>: the user messages from there on, as one turn.</summary>
    public static JsonObject NextTurnMessage(BackendRequest request, int from)
    {
        var messages = (request.Message.Body["messages"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var live = messages.GetRange(Math.Clamp(from, 0, messages.Count - 1), messages.Count - Math.Clamp(from, 0, messages.Count - 1));
        var start = new CliColdStart(CliColdStart.KindContinue, null, false, [], live, [], new Dictionary<string, string>());
        return StreamJson.UserMessage(CliPrompt.Build(request.Message.Body, request.Context.Agent.SystemPromptAddendum, start).Content ?? []);
    }

    /// <summary>
    /// The CLI's working directory: the agent's, when it exists here, else the proxy's own; with symbolic links resolved,
    /// because the CLI keeps its transcripts under its physical working directory (Node's <c>process.cwd()</c>), and the
    /// proxy looks for and writes transcripts there too.
    /// </summary>
    public static string WorkingDirectoryFor(AgentPolicy agent) => PhysicalPath(
        agent.WorkingDirectory is { Length: > 0 } directory && Directory.Exists(directory) ? directory : System.Environment.CurrentDirectory);

    /// <summary><paramref name="path"/> with every symbolic link along it resolved (as <c>realpath</c>); unchanged when it
    /// cannot be read.</summary>
    public static string PhysicalPath(string path)
    {
        try
        {
            var full = Path.GetFullPath(path);
            var root = Path.GetPathRoot(full) ?? "/";
            var physical = root;
            // Links to links are followed by ResolveLinkTarget; a target's own parents are resolved by the next rounds.
            for (var round = 0; round < 8; round++)
            {
                physical = root;
                var changed = false;
                foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
                {
                    var next = Path.Combine(physical, part);
                    if (new DirectoryInfo(next).ResolveLinkTarget(returnFinalTarget: true) is { } target)
                    {
                        next = target.FullName;
                        changed = true;
                    }

                    physical = next;
                }

                if (!changed)
                {
                    return physical;
                }

                full = physical;
            }

            return physical;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return path;
        }
    }

    /// <summary>
    /// <c>type</c> and <c>budget_tokens</c> map to the CLI's flags. Nothing else is passed on: the Claude Code CLI as a
    /// client sends <c>display:"updates"</c>, which a backend CLI rejects; forwarding it turned a request-shape problem
    /// into minutes of "authentication" retries in the reference proxy.
    /// </summary>
    private static void MapThinking(JsonObject? thinking, List<string> arguments, List<string> ignored)
    {
        if (thinking is null)
        {
            return;
        }

        switch (thinking["type"].AsString())
        {
            case "enabled":
                arguments.Add("--thinking=enabled");
                if (JsonNumbers.Long(thinking["budget_tokens"]) is { } tokens && tokens > 0)
                {
                    arguments.Add($"--max-thinking-tokens={tokens}");
                }

                break;
            case "adaptive":
                arguments.Add("--thinking=adaptive");
                break;
            case "disabled":
                arguments.Add("--thinking=disabled");
                break;
            default:
                ignored.Add("thinking.type");
                break;
        }

        foreach (var (name, _) in thinking)
        {
            if (name is not ("type" or "budget_tokens"))
            {
                ignored.Add($"thinking.{name}");
            }
        }
    }

    private static void MapEffort(JsonObject? outputConfig, List<string> arguments, List<string> ignored)
    {
        if (outputConfig is null)
        {
            return;
        }

        foreach (var (name, value) in outputConfig)
        {
            if (name == "effort" && value.AsString() is { } effort && s_effortLevels.Contains(effort))
            {
                arguments.Add($"--effort={effort}");
            }
            else
            {
                ignored.Add($"output_config.{name}");
            }
        }
    }

    /// <summary>Betas go to <c>--betas</c>, except the CLI's own (it adds <c>claude-code-*</c> itself) and OAuth ones.</summary>
    private static void MapBetas(string? header, List<string> arguments, List<string> ignored)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return;
        }

        var betas = new List<string>();
        foreach (var beta in header.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (beta.StartsWith("claude-code-", StringComparison.Ordinal) || beta.StartsWith("oauth-", StringComparison.Ordinal))
            {
                ignored.Add($"anthropic-beta:{beta}");
            }
            else
            {
                betas.Add(beta);
            }
        }

        if (betas.Count > 0)
        {
            arguments.Add("--betas");
            // A variadic option: it is the last argument, so nothing else is taken for a beta name.
            arguments.AddRange(betas);
        }
    }
}
