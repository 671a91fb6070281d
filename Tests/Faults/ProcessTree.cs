namespace AgentRelay.Tests.Faults;

/// <summary>A process's descendants, read from outside through Linux <c>/proc</c> (what an operator would see).</summary>
public static class ProcessTree
{
    /// <summary>The living (not zombie) descendants of <paramref name="root"/>, at any depth.</summary>
    public static List<int> Descendants(int root)
    {
        var parents = LivingParents();
        var found = new List<int>();
        var frontier = new Queue<int>([root]);
        while (frontier.TryDequeue(out var parent))
        {
            foreach (var (pid, ppid) in parents)
            {
                if (ppid == parent)
                {
                    found.Add(pid);
                    frontier.Enqueue(pid);
                }
            }
        }

        return found;
    }

    /// <summary>The living (not zombie) children of <paramref name="parent"/>.</summary>
    public static List<int> Children(int parent) => [.. LivingParents().Where(entry => entry.Value == parent).Select(entry => entry.Key)];

    /// <summary>Every living (not zombie) process with its parent's id.</summary>
    private static Dictionary<int, int> LivingParents()
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[0] is not ("Z" or "X"))
                {
                    parents[pid] = int.Parse(fields[1]);
                }
            }
            catch (IOException)
            {
                // Gone while we looked.
            }
        }

        return parents;
    }

    /// <summary>Command line of a process, for messages.</summary>
    public static string Describe(int pid)
    {
        try
        {
            return $"{pid}: {File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim()}";
        }
        catch (IOException)
        {
            return $"{pid}: (gone)";
        }
    }
}
