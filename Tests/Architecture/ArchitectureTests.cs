using System.Text.RegularExpressions;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Architecture;

/// <summary>
/// The rules of <c>ProxyService/README.md</c>, checked on the compiled assembly (every type reference in signatures
/// and IL) and on the source's <c>using</c>s (constants leave no trace in IL): no dependency cycle
/// between ProxyService's folders (one namespace per folder, sub-folders counted with their top folder), Core depends
/// on no other folder, and no source file is over 400 lines.
/// </summary>
public sealed partial class ArchitectureTests
{
    private const string Root = "AgentRelay.ProxyService";
    private const int MaxLines = 400;

    [Fact]
    public void No_dependency_cycle_between_folders()
    {
        var graph = FolderGraph();

        var cycles = StronglyConnected(graph.Keys, folder => graph[folder].Keys).Where(component => component.Count > 1).ToList();

        Assert.True(graph.Count >= 8, $"expected the pipeline folders, found {string.Join(", ", graph.Keys)}");
        Assert.True(cycles.Count == 0, string.Join("\n", cycles.Select(cycle => Describe(cycle, graph))));
    }

    [Fact]
    public void Core_depends_on_no_other_folder()
    {
        var graph = FolderGraph();

        Assert.True(graph.ContainsKey("Core"));
        Assert.True(graph["Core"].Count == 0,
            "Core must not depend on: " + string.Join("; ", graph["Core"].Select(edge => $"{edge.Key} ({edge.Value})")));
    }

    [Fact]
    public void No_source_file_over_400_lines()
    {
        var files = SourceFiles().ToList();

        var tooLong = files
            .Select(path => (Path: Path.GetRelativePath(SourceDirectory, path), Lines: File.ReadLines(path).Count()))
            .Where(file => file.Lines > MaxLines)
            .Select(file => $"{file.Path}: {file.Lines} lines")
            .ToList();

        Assert.True(files.Count > 50, $"found only {files.Count} source files under {SourceDirectory}");
        Assert.True(tooLong.Count == 0, string.Join("\n", tooLong));
    }

    [Fact]
    public void The_checker_sees_a_cycle_and_a_reference_made_only_in_a_method_body()
    {
        // A cycle is reported.
        var cyclic = new Dictionary<string, string[]> { ["A"] = ["B"], ["B"] = ["C"], ["C"] = ["A"], ["D"] = ["A"] };
        var components = StronglyConnected(cyclic.Keys, node => cyclic[node]).Where(component => component.Count > 1).ToList();
        Assert.Equal(["A", "B", "C"], Assert.Single(components).Order());

        // A type used only inside a method body (no field, no signature) is still a reference.
        Assert.Contains(typeof(Uri), TypeReferences.Of(typeof(BodyOnlyReference)));
    }

    private static string SourceDirectory => Path.Combine(RepositoryPaths.Root, "ProxyService");

    /// <summary>ProxyService's own sources, without the build output.</summary>
    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(SourceDirectory, "*.cs", SearchOption.AllDirectories).Where(path =>
            Path.GetRelativePath(SourceDirectory, path).Split(Path.DirectorySeparatorChar)[0] is not ("bin" or "obj"));

    /// <summary>folder → (folder it uses → one example "Type → Type").</summary>
    private static Dictionary<string, Dictionary<string, string>> FolderGraph()
    {
        var graph = new Dictionary<string, Dictionary<string, string>>();
        foreach (var type in typeof(Program).Assembly.GetTypes())
        {
            if (FolderOf(type) is not { } from)
            {
                continue;
            }

            var edges = graph.TryGetValue(from, out var existing) ? existing : graph[from] = [];
            foreach (var used in TypeReferences.Of(type))
            {
                if (FolderOf(used) is { } to && to != from)
                {
                    edges.TryAdd(to, $"{type.FullName} → {used.FullName}");
                }
            }
        }

        // Constants are copied into the IL of their users, so the source's usings count too.
        foreach (var path in SourceFiles())
        {
            var lines = File.ReadLines(path).ToList();
            var from = lines.Select(line => Namespace().Match(line)).FirstOrDefault(match => match.Success)?.Groups[1].Value;
            if (from is null || FolderOf(from) is not { } fromFolder || !graph.TryGetValue(fromFolder, out var edges))
            {
                continue;
            }

            foreach (var match in lines.Select(line => Using().Match(line)).Where(match => match.Success))
            {
                if (FolderOf(match.Groups[1].Value) is { } to && to != fromFolder)
                {
                    edges.TryAdd(to, $"{Path.GetRelativePath(SourceDirectory, path)}: using {match.Groups[1].Value}");
                }
            }
        }

        return graph;
    }

    [GeneratedRegex(@"^namespace ([\w.]+);")]
    private static partial Regex Namespace();

    [GeneratedRegex(@"^using ([\w.]+);")]
    private static partial Regex Using();

    /// <summary>The top folder of a ProxyService type (<c>Backends</c> for <c>…Backends.ClaudeCli</c>); <see langword="null"/> outside them.</summary>
    private static string? FolderOf(Type type) => FolderOf(type.Namespace);

    private static string? FolderOf(string? ns)
    {
        if (ns is null || !ns.StartsWith(Root + ".", StringComparison.Ordinal))
        {
            return null;
        }

        var rest = ns[(Root.Length + 1)..];
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? rest : rest[..dot];
    }

    private static string Describe(List<string> cycle, Dictionary<string, Dictionary<string, string>> graph)
    {
        var members = cycle.ToHashSet();
        var edges = cycle.SelectMany(from => graph[from].Where(edge => members.Contains(edge.Key)).Select(edge => $"  {from} → {edge.Key}: {edge.Value}"));
        return $"cycle among {string.Join(", ", cycle.Order())}:\n{string.Join("\n", edges)}";
    }

    /// <summary>Tarjan's strongly connected components.</summary>
    private static List<List<string>> StronglyConnected(IEnumerable<string> nodes, Func<string, IEnumerable<string>> next)
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var components = new List<List<string>>();
        var nodeSet = nodes.ToHashSet();

        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (var target in next(node))
            {
                if (!nodeSet.Contains(target))
                {
                    continue;
                }

                if (!index.ContainsKey(target))
                {
                    Visit(target);
                    low[node] = Math.Min(low[node], low[target]);
                }
                else if (onStack.Contains(target))
                {
                    low[node] = Math.Min(low[node], index[target]);
                }
            }

            if (low[node] == index[node])
            {
                var component = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                }
                while (member != node);
                components.Add(component);
            }
        }

        foreach (var node in nodeSet)
        {
            if (!index.ContainsKey(node))
            {
                Visit(node);
            }
        }

        return components;
    }

    private static class BodyOnlyReference
    {
        public static bool Check(string text) => new Uri(text).IsAbsoluteUri;
    }
}
