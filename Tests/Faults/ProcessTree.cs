namespace AgentRelay.Tests.Faults;

/// <summary>A process's descendants, read from outside through Linux <c>/proc</c> (what an operator would see).</summary>
public static class ProcessTree
{
    /// <summary>The living (not zombie) descendants of <paramref name="root"/>, at any depth.</summary>
    public static List<int> Descendants(int root)
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
    public static List<int> Children(int parent)
    {
        var children = new List<int>();
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
                if (fields[0] is not ("Z" or "X") && int.Parse(fields[1]) == parent)
                {
                    children.Add(pid);
                }
            }
            catch (IOException)
            {
                // Gone while we looked.
            }
        }

        return children;
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
