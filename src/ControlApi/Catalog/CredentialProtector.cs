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

    /// <summary>A stored credential in clear, for a check of its form only (never returned, logged or kept); null when it cannot be opened.</summary>
    public string? OpenForCheck(string protectedCredential)
    {
        try
        {
            return _protector.Unprotect(protectedCredential);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    /// <summary>Re-seals a stored credential for the catalog without it ever leaving memory in clear.</summary>
    public string SealForCatalog(string protectedCredential) => _sealer.Value.Seal(_protector.Unprotect(protectedCredential));

    /// <summary>
    /// True when two sealed credentials hold the same secret (sealing is randomised, so the texts always differ); a
    /// credential that cannot be opened (another key, tampered) matches nothing.
    /// </summary>
    public bool SameSealedSecret(string? first, string? second)
    {
        if (first is null || second is null)
        {
            return first == second;
        }

        try
        {
            var a = System.Text.Encoding.UTF8.GetBytes(_sealer.Value.Open(first));
            var b = System.Text.Encoding.UTF8.GetBytes(_sealer.Value.Open(second));
            return System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(a, b);
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or FormatException)
        {
            return false;
        }
    }
}
