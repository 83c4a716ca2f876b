using MassRouter.Gateway.Routing;
using MassRouter.Gateway.Transforms.OpenAI;

namespace MassRouter.Gateway.Resilience;

/// <summary>
/// Orders the deployments one request may try: the requested model's, then those of any <c>models</c> fallbacks;
/// per model by the client's <c>provider</c> preferences, then by priority, balancing equal priorities by weight or
/// by least latency. Deployments whose circuit is open are left out.
/// </summary>
internal static class AttemptPlanner
{
    /// <summary>The ordered plan; empty with <paramref name="reason"/> set when nothing may serve.</summary>
    public static IReadOnlyList<Deployment> Plan(ReadOnlySpan<ModelRoute> routes, ProviderPreferences? preferences, out PlanFailure reason)
    {
        reason = PlanFailure.None;
        if (routes.Length == 1 && preferences is null && routes[0].Deployments is [var only])
        {
            // The common case: one model, one deployment, nothing to order.
            if (only.Health.IsAvailable)
            {
                return routes[0].Deployments;
            }

            reason = PlanFailure.AllUnavailable;
            return [];
        }

        var plan = new List<Deployment>(4);
        var matchedAny = false;
        foreach (var route in routes)
        {
            var candidates = new List<Deployment>(route.Deployments.Length);
            foreach (var deployment in route.Deployments)
            {
                if (Allowed(deployment, preferences))
                {
                    matchedAny = true;
                    if (deployment.Health.IsAvailable)
                    {
                        candidates.Add(deployment);
                    }
                }
            }

            AppendOrdered(plan, candidates, route.LeastLatency, preferences);
        }

        if (plan.Count == 0)
        {
            reason = matchedAny ? PlanFailure.AllUnavailable : PlanFailure.NoMatchingProvider;
        }

        return plan;
    }

    /// <summary>
    /// For a client told that every deployment is unavailable: how soon the first of those it may use is offered again
    /// (the rest of the shortest break; zero when one is half-open).
    /// </summary>
    public static TimeSpan RetryAfter(ReadOnlySpan<ModelRoute> routes, ProviderPreferences? preferences)
    {
        var soonest = TimeSpan.MaxValue;
        foreach (var route in routes)
        {
            foreach (var deployment in route.Deployments)
            {
                if (Allowed(deployment, preferences))
                {
                    soonest = Min(soonest, deployment.Health.UntilAvailable);
                }
            }
        }

        return soonest == TimeSpan.MaxValue ? TimeSpan.Zero : soonest;
    }

    /// <summary>The same, for the deployments of a plan whose circuits all opened (or went half-open) after it was made.</summary>
    public static TimeSpan RetryAfter(IReadOnlyList<Deployment> plan)
    {
        var soonest = TimeSpan.MaxValue;
        foreach (var deployment in plan)
        {
            soonest = Min(soonest, deployment.Health.UntilAvailable);
        }

        return soonest == TimeSpan.MaxValue ? TimeSpan.Zero : soonest;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static bool Allowed(Deployment deployment, ProviderPreferences? preferences)
    {
        if (preferences is null)
        {
            return true;
        }

        var name = deployment.Provider.Name;
        if (Contains(preferences.Ignore, name))
        {
            return false;
        }

        if (preferences.Only.Count > 0 && !Contains(preferences.Only, name))
        {
            return false;
        }

        return preferences.AllowFallbacks || preferences.Order.Count == 0 || Contains(preferences.Order, name);
    }

    private static void AppendOrdered(List<Deployment> plan, List<Deployment> candidates, bool leastLatency, ProviderPreferences? preferences)
    {
        if (preferences is { Order.Count: > 0 })
        {
            foreach (var name in preferences.Order)
            {
                for (var i = 0; i < candidates.Count; i++)
                {
                    if (string.Equals(candidates[i].Provider.Name, name, StringComparison.OrdinalIgnoreCase))
                    {
                        plan.Add(candidates[i]);
                        candidates.RemoveAt(i--);
                    }
                }
            }
        }

        if (preferences?.Sort == "price")
        {
            // Cheapest first by list price per million tokens (input + output), stable for equal prices.
            plan.AddRange(candidates.OrderBy(static d => d.Price.InputPerMillion + d.Price.OutputPerMillion));
            return;
        }

        if (preferences?.Sort is "latency" or "throughput")
        {
            // Fastest first by measured time to first byte (unmeasured deployments first, so they get measured).
            candidates.Sort(static (a, b) => a.Health.Latency.CompareTo(b.Health.Latency));
            plan.AddRange(candidates);
            return;
        }

        // Candidates are in priority order; balance within each run of equal priority.
        var start = 0;
        while (start < candidates.Count)
        {
            var end = start + 1;
            while (end < candidates.Count && candidates[end].Priority == candidates[start].Priority)
            {
                end++;
            }

            AppendBalanced(plan, candidates, start, end, leastLatency);
            start = end;
        }
    }

    private static void AppendBalanced(List<Deployment> plan, List<Deployment> candidates, int start, int end, bool leastLatency)
    {
        var count = end - start;
        if (count == 1)
        {
            plan.Add(candidates[start]);
            return;
        }

        var group = candidates.GetRange(start, count);
        if (leastLatency)
        {
            // Power of two choices on peak-EWMA cost for the first pick, the rest cheapest first as fallbacks.
            var a = Random.Shared.Next(count);
            var b = (a + 1 + Random.Shared.Next(count - 1)) % count;
            var first = group[a].Health.Cost <= group[b].Health.Cost ? a : b;
            plan.Add(group[first]);
            group.RemoveAt(first);
            group.Sort(static (x, y) => x.Health.Cost.CompareTo(y.Health.Cost));
            plan.AddRange(group);
            return;
        }

        // Weighted: draw without replacement, so fallbacks within the priority follow the weights too.
        while (group.Count > 0)
        {
            var total = 0;
            foreach (var deployment in group)
            {
                total += deployment.Weight;
            }

            var pick = Random.Shared.Next(total);
            var index = 0;
            while (pick >= group[index].Weight)
            {
                pick -= group[index].Weight;
                index++;
            }

            plan.Add(group[index]);
            group.RemoveAt(index);
        }
    }

    private static bool Contains(IReadOnlyList<string> names, string name)
    {
        foreach (var candidate in names)
        {
            if (string.Equals(candidate, name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Why a plan came out empty.</summary>
internal enum PlanFailure
{
    None,

    /// <summary>The client's provider preferences exclude every deployment.</summary>
    NoMatchingProvider,

    /// <summary>Every matching deployment's circuit is open.</summary>
    AllUnavailable,
}
