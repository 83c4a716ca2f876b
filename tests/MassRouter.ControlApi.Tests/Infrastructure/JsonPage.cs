namespace MassRouter.ControlApi.Tests.Infrastructure;

/// <summary>The page shape every list endpoint returns, for reading responses.</summary>
public sealed record JsonPage<T>(List<T> Items, int PageNumber, int PageSize, long Total);
