using System.Security.Cryptography;

namespace MassRouter.Gateway.Embedded;

/// <summary>
/// A random 32-byte secret kept in a file of the embedded platform's data directory (readable by its owner only), so
/// access tokens and sealed provider credentials survive a restart. Production configures its secrets instead.
/// </summary>
internal static class PersistedSecret
{
    /// <summary>The base64 secret stored in <paramref name="directory"/>/<paramref name="name"/>, created on first use.</summary>
    public static string ReadOrCreate(string directory, string name)
    {
        var path = Path.Combine(directory, name);
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var writer = new StreamWriter(path, options);
            writer.Write(secret);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process of the same data directory created it first: use theirs.
            return File.ReadAllText(path).Trim();
        }

        return secret;
    }
}
