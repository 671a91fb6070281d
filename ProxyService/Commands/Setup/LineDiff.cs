namespace AgentRelay.ProxyService.Commands.Setup;

/// <summary>A line diff of two small texts (longest common subsequence), printed as <c>-</c>/<c>+</c> lines with their line numbers.</summary>
public static class LineDiff
{
    public static IReadOnlyList<string> Changes(string? before, string after)
    {
        var a = Lines(before);
        var b = Lines(after);
        var common = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                common[i, j] = a[i] == b[j] ? common[i + 1, j + 1] + 1 : Math.Max(common[i + 1, j], common[i, j + 1]);
            }
        }

        var changes = new List<string>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                x++;
                y++;
            }
            else if (x < a.Length && (y == b.Length || common[x + 1, y] >= common[x, y + 1]))
            {
                changes.Add($"-{x + 1,4} {a[x]}");
                x++;
            }
            else
            {
                changes.Add($"+{y + 1,4} {b[y]}");
                y++;
            }
        }

        return changes;
    }

    private static string[] Lines(string? text) =>
        string.IsNullOrEmpty(text) ? [] : text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
}
