using MassRouter.ControlApi.Configuration;
using MassRouter.Core.Security;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace MassRouter.ControlApi.Catalog;

/// <summary>
/// Provider credentials at rest (ASP.NET Data Protection, in the database) and in flight to the gateways
/// (<see cref="CredentialSealer"/> under the shared <c>MassRouter:CredentialKey</c>, in <c>mr:catalog</c>).
/// </summary>
internal sealed class CredentialProtector(IDataProtectionProvider dataProtection, IOptions<SharedOptions> shared)
{
    private readonly IDataProtector _protector = dataProtection.CreateProtector("MassRouter.ControlApi.ProviderCredentials.v1");
    private readonly Lazy<CredentialSealer> _sealer = new(() => CredentialSealer.FromBase64(shared.Value.CredentialKey));

    public string Protect(string credential) => _protector.Protect(credential);

    /// <summary>Re-seals a stored credential for the catalog without it ever leaving memory in clear.</summary>
    public string SealForCatalog(string protectedCredential) => _sealer.Value.Seal(_protector.Unprotect(protectedCredential));
}
