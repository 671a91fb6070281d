using AgentRelay.ProxyService.Endpoints;

namespace AgentRelay.Tests.Endpoints;

/// <summary>The <c>x-relay-request-id</c> generator: a UUIDv7 in 32 hex digits, time-ordered and unique.</summary>
public sealed class RequestIdTests
{
    [Fact]
    public void A_request_id_is_a_version_7_uuid_carrying_the_time_it_was_made()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var id = RequestContextMiddleware.NewRequestId();
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        Assert.Matches("^[0-9a-f]{32}$", id);
        var bytes = Guid.ParseExact(id, "N").ToByteArray(bigEndian: true);
        Assert.Equal(7, bytes[6] >> 4);
        Assert.Equal(0b10, bytes[8] >> 6);
        var milliseconds = bytes[..6].Aggregate(0L, (value, b) => (value << 8) | b);
        Assert.InRange(milliseconds, before, after);
    }

    [Fact]
    public void Request_ids_are_unique_and_sort_by_time()
    {
        var first = Enumerable.Range(0, 5_000).Select(_ => RequestContextMiddleware.NewRequestId()).ToList();
        Thread.Sleep(5);
        var later = RequestContextMiddleware.NewRequestId();

        Assert.Equal(first.Count, first.Distinct().Count());
        Assert.All(first, id => Assert.True(string.CompareOrdinal(id, later) < 0, $"{id} is not before {later}"));
    }
}
