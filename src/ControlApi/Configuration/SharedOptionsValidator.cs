using Microsoft.Extensions.Options;

namespace MassRouter.ControlApi.Configuration;

/// <summary>Checks the shared credential key the gateways must be configured with too.</summary>
internal sealed class SharedOptionsValidator : IValidateOptions<SharedOptions>
{
    public ValidateOptionsResult Validate(string? name, SharedOptions options)
    {
        var buffer = new byte[64];
        return Convert.TryFromBase64String(options.CredentialKey, buffer, out var written) && written == 32
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("MassRouter:CredentialKey must be base64 of exactly 32 bytes (the same value on every gateway).");
    }
}
