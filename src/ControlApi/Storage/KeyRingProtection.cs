using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using MassRouter.ControlApi.Configuration;
using MassRouter.Core.Security;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.Options;

namespace MassRouter.ControlApi.Storage;

/// <summary>
/// Encrypts the Data Protection key ring at rest (AES-256-GCM), so the database (or key directory) alone does not open
/// the provider credentials it protects: the key comes from configuration, <c>ControlApi:KeyRingKey</c> or else the
/// shared <c>MassRouter:CredentialKey</c>, through HKDF-SHA256 with a purpose of its own.
/// </summary>
/// <remarks>
/// Keys written before this existed stay readable as they are (Data Protection reads an unencrypted key as such) until
/// they expire; every key created since is encrypted. Changing the credential key: set <c>ControlApi:KeyRingKey</c>
/// to its earlier value first, or the key ring no longer opens.
/// </remarks>
internal static class KeyRingProtection
{
    private const string Element = "sealedKey";
    private static readonly byte[] _purpose = Encoding.UTF8.GetBytes("MassRouter.ControlApi.KeyRing.v1");

    /// <summary>The sealer for the key ring from the configured secret (base64 of 32 bytes).</summary>
    public static CredentialSealer Sealer(ControlApiOptions options, SharedOptions shared)
    {
        var secret = string.IsNullOrEmpty(options.KeyRingKey) ? shared.CredentialKey : options.KeyRingKey;
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Convert.FromBase64String(secret), 32, salt: [], info: _purpose);
        return new CredentialSealer(key);
    }

    internal sealed class Encryptor(CredentialSealer sealer) : IXmlEncryptor
    {
        public EncryptedXmlInfo Encrypt(XElement plaintextElement)
        {
            ArgumentNullException.ThrowIfNull(plaintextElement);
            var sealedXml = sealer.Seal(plaintextElement.ToString(SaveOptions.DisableFormatting));
            return new EncryptedXmlInfo(new XElement(Element, sealedXml), typeof(Decryptor));
        }
    }

    /// <summary>Created by Data Protection from the type named in the stored key (with the service provider).</summary>
    internal sealed class Decryptor(IServiceProvider services) : IXmlDecryptor
    {
        public XElement Decrypt(XElement encryptedElement)
        {
            ArgumentNullException.ThrowIfNull(encryptedElement);
            var sealer = Sealer(
                services.GetRequiredService<IOptions<ControlApiOptions>>().Value, services.GetRequiredService<IOptions<SharedOptions>>().Value);
            try
            {
                return XElement.Parse(sealer.Open(encryptedElement.Value));
            }
            catch (CryptographicException ex)
            {
                throw new CryptographicException(
                    "A Data Protection key in the key ring was encrypted under another key: ControlApi:KeyRingKey (or, unset, MassRouter:CredentialKey) must be the value it was written with.",
                    ex);
            }
        }
    }
}
