using MassRouter.ControlApi.Configuration;
using MassRouter.ControlApi.Ledger;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MassRouter.ControlApi.Tests.Infrastructure;

/// <summary>Ledger flushers on the fixture's services with test settings: each one is like a separate ControlApi process.</summary>
internal static class Flushers
{
    public static LedgerFlusher New(ControlApiFixture fixture, int batchSize = 500)
    {
        var options = fixture.Get<IOptions<ControlApiOptions>>().Value;
        var settings = new ControlApiOptions
        {
            Ledger = new LedgerOptions { Enabled = true, BatchSize = batchSize, PollInterval = TimeSpan.FromMilliseconds(20), LockTtl = TimeSpan.FromSeconds(5), ScanInterval = TimeSpan.FromSeconds(30) },
            Database = options.Database,
            Redis = options.Redis,
        };
        return ActivatorUtilities.CreateInstance<LedgerFlusher>(fixture.Services, Options.Create(settings));
    }
}
