using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MassRouter.ControlApi.Configuration;
using Microsoft.Extensions.Options;

namespace MassRouter.ControlApi.Auth;

/// <summary>
/// PBKDF2-HMAC-SHA256 from the BCL, stored as <c>pbkdf2-sha256$iterations$salt$hash</c> so the work factor can be
/// raised later without invalidating existing hashes.
/// </summary>
internal sealed class PasswordHasher(IOptions<ControlApiOptions> options)
{
    private const string Scheme = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    // Verified against when the e-mail is unknown, so a miss costs the same time as a wrong password.
    private readonly Lazy<string> _dummy = new(() => Hash("not-a-real-password", options.Value.Auth.PasswordIterations));

    public string Hash(string password) => Hash(password, options.Value.Auth.PasswordIterations);

    public bool Verify(string password, string? stored)
    {
        var parts = (stored ?? _dummy.Value).Split('$');
        if (parts.Length != 4 || parts[0] != Scheme || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations))
        {
            return false;
        }

        var salt = Convert.FromBase64String(parts[2]);
        var expected = Convert.FromBase64String(parts[3]);
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected) && stored is not null;
    }

    private static string Hash(string password, int iterations)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }
}
