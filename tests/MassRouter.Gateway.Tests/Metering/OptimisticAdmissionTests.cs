using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using MassRouter.Core.Money;
using MassRouter.Core.Redis;
using MassRouter.Gateway.Admin;
using MassRouter.Gateway.Tests.Forwarding;
using StackExchange.Redis;

namespace MassRouter.Gateway.Tests.Metering;

/// <summary>
/// Admission without waiting for Redis while a key has plenty of room: faster, and still exact where it matters
/// (near a limit, with a small balance, after a refusal), with every request counted and charged once.
/// </summary>
[Collection(MeteringCollection.Name)]
public class OptimisticAdmissionTests(MeteringFixture fixture)
{
    private const long Dollar = Nanos.PerDollar;
    private const int G = MeteringBackend.OptimisticGateway;

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task OffByDefault_EveryRequestWaitsForRedis(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(10 * Dollar);
        var metrics = new Uri(b.Addresses[1 - G], "/metrics");
        var before = Value(await b.Http.GetStringAsync(metrics), "massrouter_admissions_total{mode=\"redis\"}");

        for (var i = 0; i < 5; i++)
        {
            using var response = await b.Http.SendAsync(b.Chat(1 - G, key.Secret));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var text = await b.Http.GetStringAsync(metrics);
        Assert.Equal(5, Value(text, "massrouter_admissions_total{mode=\"redis\"}") - before);
        Assert.Equal(0, Value(text, "massrouter_admissions_total{mode=\"optimistic\"}"));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task ARequestNamingAnEndUser_OfAKeyThatCapsThem_WaitsForRedis_SoAnEndUserOverTheCapIsRefused(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(10 * Dollar, k => k with { EndUserDailyCapNanos = 1 });
        using (var first = await b.Http.SendAsync(b.Chat(G, key.Secret)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using (var alice = await b.Http.SendAsync(b.Chat(G, key.Secret, headers: [("x-massrouter-user", "alice")])))
        {
            Assert.Equal(HttpStatusCode.OK, alice.StatusCode);
        }

        await b.WaitForEventsAsync(key.Account, 2);
        var before = await AdmissionsAsync(b);

        // The key has plenty of room, and its requests naming no end user go without waiting; alice's do not.
        using (var anyone = await b.Http.SendAsync(b.Chat(G, key.Secret)))
        {
            Assert.Equal(HttpStatusCode.OK, anyone.StatusCode);
        }

        using var again = await b.Http.SendAsync(b.Chat(G, key.Secret, headers: [("x-massrouter-user", "alice")]));
        await OpenAIErrorAssert.IsErrorAsync(again, HttpStatusCode.PaymentRequired, "end_user_budget_exceeded");
        var after = await AdmissionsAsync(b);
        Assert.Equal(1, after.Optimistic - before.Optimistic); // the request naming no one; alice's was refused by Redis
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task WithPlentyOfRoom_RequestsAfterTheFirstDoNotWait_AndEachIsCountedAndChargedOnce(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(10 * Dollar, k => k with { Rpm = 100_000, Tpm = 100_000_000 });
        var markersBefore = await CountAsync(b, "*settled*");
        var before = await AdmissionsAsync(b);

        for (var i = 0; i < 12; i++)
        {
            using var response = await b.Http.SendAsync(b.Chat(G, key.Secret));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(long.Parse(response.Headers.GetValues("x-ratelimit-remaining-requests").Single(), CultureInfo.InvariantCulture) < 100_000);
        }

        var events = await b.WaitForEventsAsync(key.Account, 12);
        var after = await AdmissionsAsync(b);

        Assert.Equal(12, events.Count);
        Assert.Equal(1, after.Redis - before.Redis);
        Assert.Equal(11, after.Optimistic - before.Optimistic);
        Assert.Equal(10 * Dollar - events.Sum(e => e.CostNanos), await b.BalanceAsync(key.Account));
        Assert.Equal(0, await b.Db.HashLengthAsync(RedisKeys.Inflight(key.Account)));

        // Every optimistic settlement claimed its in-flight record: none needed a per-event marker.
        Assert.Equal(markersBefore, await CountAsync(b, "*settled*"));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task NearALimit_AdmissionWaitsForRedisAgain_SoTheLimitIsExact(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(10 * Dollar, k => k with { Rpm = 130 });
        var before = await AdmissionsAsync(b);

        var statuses = new List<HttpStatusCode>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 150; i++)
        {
            using var response = await b.Http.SendAsync(b.Chat(G, key.Secret));
            statuses.Add(response.StatusCode);
        }

        // GCRA: a minute's budget may burst, and it refills at 130 a minute meanwhile.
        var refilled = (long)Math.Ceiling(clock.Elapsed.TotalMinutes * 130);
        var after = await AdmissionsAsync(b);
        var admitted = statuses.Count(status => status == HttpStatusCode.OK);

        Assert.InRange(admitted, 130, 130 + refilled);
        Assert.Equal(150 - admitted, statuses.Count(status => status == HttpStatusCode.TooManyRequests));
        Assert.All(statuses.Take(130), status => Assert.Equal(HttpStatusCode.OK, status));

        // Some went without waiting while at least 100 requests were left, the rest waited for Redis.
        Assert.InRange(after.Optimistic - before.Optimistic, 1, 30);
        Assert.True(after.Redis - before.Redis >= 100);
        Assert.Equal(admitted, (await b.WaitForEventsAsync(key.Account, admitted)).Count);
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task ABurstOfConcurrentRequests_CannotOverrunALimitThroughOptimisticAdmission(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(10 * Dollar, k => k with { Rpm = 130 });
        using (var warm = await b.Http.SendAsync(b.Chat(G, key.Secret)))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var statuses = await Task.WhenAll(Enumerable.Range(0, 200).Select(async _ =>
        {
            using var response = await b.Http.SendAsync(b.Chat(G, key.Secret));
            return response.StatusCode;
        }));
        var refilled = (long)Math.Ceiling(clock.Elapsed.TotalMinutes * 130);
        var admitted = statuses.Count(status => status == HttpStatusCode.OK);

        // Seen failing once in a full local run on a loaded machine (not reproduced since): say what came back.
        var seen = string.Join(", ", statuses.GroupBy(status => (int)status).OrderBy(g => g.Key).Select(g => $"{g.Count()}x{g.Key}"));
        Assert.True(admitted >= 129 && admitted <= 129 + refilled, $"{admitted} admitted, {refilled} refilled in {clock.Elapsed.TotalMilliseconds:F0} ms; statuses: {seen}");
        Assert.True(200 - admitted == statuses.Count(status => status == HttpStatusCode.TooManyRequests), $"statuses: {seen}");
        Assert.Equal(admitted + 1, (await b.WaitForEventsAsync(key.Account, admitted + 1)).Count);
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task ABalanceUnderTheThreshold_AlwaysWaitsForRedis(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar / 2);
        var before = await AdmissionsAsync(b);

        for (var i = 0; i < 5; i++)
        {
            using var response = await b.Http.SendAsync(b.Chat(G, key.Secret));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var after = await AdmissionsAsync(b);

        Assert.Equal(5, after.Redis - before.Redis);
        Assert.Equal(0, after.Optimistic - before.Optimistic);
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task SuspendedWhileRoomy_TheRequestAlreadyAdmittedIsServedAndChargedOnce_TheNextIsRefused(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(10 * Dollar);
        using (var warm = await b.Http.SendAsync(b.Chat(G, key.Secret)))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        // Straight into Redis without an announcement: only the admission script can notice.
        await b.Db.HashSetAsync(RedisKeys.Account(key.Account), "status", "suspended");
        var before = await AdmissionsAsync(b);

        using var admitted = await b.Http.SendAsync(b.Chat(G, key.Secret));
        var events = await b.WaitForEventsAsync(key.Account, 2);
        using var refused = await b.Http.SendAsync(b.Chat(G, key.Secret));
        var after = await AdmissionsAsync(b);

        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(1, after.Optimistic - before.Optimistic);
        Assert.Equal(1, after.Refused - before.Refused);
        Assert.Equal(2, events.Count);
        Assert.Equal(10 * Dollar - events.Sum(e => e.CostNanos), await b.BalanceAsync(key.Account));

        // Refused, it had no in-flight record: its settlement claimed it by the event's marker.
        var replayed = events.OrderBy(e => e.EndedAt).Last();
        Assert.True(await b.Db.KeyExistsAsync(RedisKeys.Settled(key.Account, replayed.Id)));
    }

    internal static async Task<long> CountAsync(MeteringBackend b, string pattern)
    {
        var server = b.Redis.GetServer(b.Redis.GetEndPoints()[0]);
        var count = 0L;
        await foreach (var _ in server.KeysAsync(pattern: pattern, pageSize: 1000))
        {
            count++;
        }

        return count;
    }

    private static async Task<(long Redis, long Optimistic, long Refused)> AdmissionsAsync(MeteringBackend b)
    {
        var metrics = await b.Http.GetStringAsync(new Uri(b.Addresses[G], "/metrics"));
        return (Value(metrics, "massrouter_admissions_total{mode=\"redis\"}"),
            Value(metrics, "massrouter_admissions_total{mode=\"optimistic\"}"),
            Value(metrics, "massrouter_optimistic_refused_total"));
    }

    private static long Value(string metrics, string series)
    {
        var match = Regex.Match(metrics, "^" + Regex.Escape(series) + " ([0-9.e+]+)$", RegexOptions.Multiline);
        return match.Success ? (long)double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }
}
