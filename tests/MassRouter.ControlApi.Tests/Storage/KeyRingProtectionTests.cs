using System.Security.Cryptography;
using System.Xml.Linq;
using MassRouter.ControlApi.Configuration;
using MassRouter.ControlApi.Storage;
using MassRouter.Core.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MassRouter.ControlApi.Tests.Storage;

/// <summary>The Data Protection key ring's encryption at rest, under a key derived from configuration.</summary>
public sealed class KeyRingProtectionTests
{
    private static readonly string _credentialKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly XElement _key = XElement.Parse("<masterKey><value>c2VjcmV0LWtleS1tYXRlcmlhbA==</value></masterKey>");

    [Fact]
    public void AKey_IsSealed_AndOpensUnderTheSameConfiguration()
    {
        var options = new ControlApiOptions();
        var shared = new SharedOptions { CredentialKey = _credentialKey };
        var encrypted = new KeyRingProtection.Encryptor(KeyRingProtection.Sealer(options, shared)).Encrypt(_key);

        Assert.Equal(typeof(KeyRingProtection.Decryptor), encrypted.DecryptorType);
        Assert.DoesNotContain("c2VjcmV0", encrypted.EncryptedElement.ToString(), StringComparison.Ordinal);
        Assert.Equal(_key.ToString(), Decryptor(options, shared).Decrypt(encrypted.EncryptedElement).ToString());

        // Its own key, not the credential key itself: a catalog credential's key does not open the ring.
        Assert.ThrowsAny<CryptographicException>(() => CredentialSealer.FromBase64(_credentialKey).Open(encrypted.EncryptedElement.Value));
    }

    [Fact]
    public void KeyRingKey_TakesPrecedence_AndKeepsTheRingOpenWhenTheCredentialKeyChanges()
    {
        // Changing the credential key: the key ring key set to its earlier value keeps the ring open.
        var before = new SharedOptions { CredentialKey = _credentialKey };
        var encrypted = new KeyRingProtection.Encryptor(KeyRingProtection.Sealer(new ControlApiOptions(), before)).Encrypt(_key);
        var after = new SharedOptions { CredentialKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) };

        var error = Assert.ThrowsAny<CryptographicException>(() => Decryptor(new ControlApiOptions(), after).Decrypt(encrypted.EncryptedElement));
        Assert.Contains("ControlApi:KeyRingKey", error.Message, StringComparison.Ordinal);
        Assert.Equal(_key.ToString(), Decryptor(new ControlApiOptions { KeyRingKey = _credentialKey }, after).Decrypt(encrypted.EncryptedElement).ToString());
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", true)]
    [InlineData("c2hvcnQ=", false)]
    [InlineData("not base64!", false)]
    public void KeyRingKey_IsValidated(string? value, bool valid)
    {
        var options = new ControlApiOptions
        {
            KeyRingKey = value, Redis = "localhost", Jwt = { SigningKey = _credentialKey },
            Database = { Provider = "sqlite", ConnectionString = "Data Source=x.db" },
        };
        var result = new ControlApiOptionsValidator().Validate(null, options);
        Assert.Equal(valid, !(result.FailureMessage ?? "").Contains("KeyRingKey", StringComparison.Ordinal));
    }

    private static KeyRingProtection.Decryptor Decryptor(ControlApiOptions options, SharedOptions shared) =>
        new(new ServiceCollection().AddSingleton(Options.Create(options)).AddSingleton(Options.Create(shared)).BuildServiceProvider());
}
