using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace MassRouter.Gateway.Limits;

/// <summary>
/// An end user's field in the account's daily and monthly spend hashes, counted only for requests through a key that
/// caps its end users (<see cref="Auth.ApiKeyInfo.CapsEndUsers"/>): <c>u:</c> and the first 12 bytes of the SHA-256 of
/// the end user as named (base64url), so the field is short whatever the name, the same on every instance, and Redis
/// holds no end user's name. The spend counted is the end user's in the whole account, through any of its keys that
/// cap end users.
/// </summary>
internal static class EndUserSpend
{
    private const int HashBytes = 12;

    /// <summary>The spend field of <paramref name="endUser"/> (at most <see cref="Transforms.OpenAI.EndUser.MaxLength"/> characters).</summary>
    public static string Field(string endUser)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var length = Encoding.UTF8.GetMaxByteCount(endUser.Length);
        byte[]? rented = null;
        var utf8 = length <= 1024 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            SHA256.HashData(utf8[..Encoding.UTF8.GetBytes(endUser, utf8)], hash);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        return "u:" + Base64Url.EncodeToString(hash[..HashBytes]);
    }
}
