namespace AgentRelay.ProxyService.Sessions;

/// <summary>The values of <c>lineage</c> (INTERFACE.md, PROXY-SPEC §3.4).</summary>
public static class Lineages
{
    /// <summary>The first request of a conversation (nothing stored).</summary>
    public const string New = "new";

    /// <summary>The stored messages come first, then more (also: an identical retry, and a modified continuation).</summary>
    public const string Continuation = "continuation";

    /// <summary>The client replaced earlier messages with a summary; the stored tail is still there.</summary>
    public const string Compaction = "compaction";

    /// <summary>The client went back: a stored prefix, then something else, and no longer than what was stored.</summary>
    public const string Undo = "undo";

    /// <summary>Nothing in common with what was stored.</summary>
    public const string Diverged = "diverged";
}

/// <summary>How a request relates to the stored state.</summary>
/// <param name="Lineage">One of <see cref="Lineages"/>.</param>
/// <param name="PrefixOverlap">Leading messages equal to the stored ones, position by position.</param>
/// <param name="StrictPrefix">Every stored message is the incoming one at the same position, and more follow.</param>
/// <param name="IsRetry">The request is exactly the stored one again (a client retry).</param>
public sealed record LineageResult(string Lineage, int PrefixOverlap, bool StrictPrefix, bool IsRetry);

/// <summary>
/// Classifies a request against the stored state by message hashes aligned by position (PROXY-SPEC §3.4), with the
/// reference's flaws fixed (§13): hashes are per message, so multi-block and multi-message assistant turns align; an
/// identical request is a retry (a continuation with nothing new), not a divergence; compaction needs a contiguous
/// stored tail, not a set overlap; and nothing here changes the stored state (it is written after success only).
/// </summary>
public static class LineageClassifier
{
    /// <summary>Compaction needs at least this many stored messages ...</summary>
    public const int CompactionMinStored = 6;

    /// <summary>... and at least this many of them, contiguous and ending with the last, found later in the request.</summary>
    public const int CompactionMinTail = 2;

    public static LineageResult Classify(SessionState? stored, IReadOnlyList<string> incoming)
    {
        if (stored is null || stored.MessageCount == 0 || stored.MessageHashes.Count != stored.MessageCount)
        {
            return new LineageResult(Lineages.New, 0, false, false);
        }

        var hashes = stored.MessageHashes;
        var prefix = 0;
        while (prefix < hashes.Count && prefix < incoming.Count && hashes[prefix] == incoming[prefix])
        {
            prefix++;
        }

        if (prefix == hashes.Count)
        {
            return incoming.Count == hashes.Count
                ? new LineageResult(Lineages.Continuation, prefix, false, true)
                : new LineageResult(Lineages.Continuation, prefix, true, false);
        }

        var (tail, tailStart) = StoredTail(hashes, incoming);
        if (tail >= CompactionMinTail && hashes.Count >= CompactionMinStored && tailStart > 0 && prefix < tailStart)
        {
            return new LineageResult(Lineages.Compaction, prefix, false, false);
        }

        if (prefix > 0 && tail == 0 && incoming.Count <= hashes.Count)
        {
            return new LineageResult(Lineages.Undo, prefix, false, false);
        }

        // The beginning is the same and the conversation is longer: a continuation in which the client changed
        // something after the common beginning (PROXY-SPEC §3.4 step 7). The backend cannot simply continue it.
        if (prefix > 0 && incoming.Count > hashes.Count)
        {
            return new LineageResult(Lineages.Continuation, prefix, false, false);
        }

        return new LineageResult(Lineages.Diverged, prefix, false, false);
    }

    /// <summary>
    /// The last stored message's last occurrence in the request, and how many stored messages run contiguously up to
    /// it; with the position where that run starts in the request.
    /// </summary>
    private static (int Length, int Start) StoredTail(IReadOnlyList<string> stored, IReadOnlyList<string> incoming)
    {
        var last = stored[^1];
        for (var a = incoming.Count - 1; a >= 0; a--)
        {
            if (incoming[a] != last)
            {
                continue;
            }

            var length = 0;
            while (length <= a && length < stored.Count && incoming[a - length] == stored[stored.Count - 1 - length])
            {
                length++;
            }

            return (length, a - length + 1);
        }

        return (0, 0);
    }
}
