using Dapper;
using MassRouter.ControlApi.Storage;

namespace MassRouter.ControlApi.Auth;

/// <summary>
/// Rotating refresh tokens, stored as SHA-256 hashes. Each login starts a family; each refresh retires the presented
/// token and issues the next one in the family. Presenting a retired token again means it was stolen (or replayed),
/// so the whole family is revoked.
/// </summary>
internal sealed class RefreshTokenRepository(Database database)
{
    public async Task CreateAsync(long userId, string familyId, string tokenHash, long now, long expiresAt)
    {
        await using var connection = await database.OpenAsync();
        await connection.ExecuteAsync(
            "INSERT INTO refresh_tokens (user_id, family_id, token_hash, created_at, expires_at) VALUES (@userId, @familyId, @tokenHash, @now, @expiresAt)",
            new { userId, familyId, tokenHash, now, expiresAt });
    }

    /// <summary>Retires <paramref name="tokenHash"/> and stores its successor atomically.</summary>
    public async Task<RotationOutcome> RotateAsync(string tokenHash, string nextHash, long now, long expiresAt)
    {
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var token = await connection.QuerySingleOrDefaultAsync<RefreshTokenRow>(
            "SELECT id, user_id, family_id, expires_at, revoked_at, replaced FROM refresh_tokens WHERE token_hash = @tokenHash",
            new { tokenHash }, transaction);
        if (token is null)
        {
            return new RotationOutcome(RotationResult.Unknown, 0);
        }

        if (token.RevokedAt is not null)
        {
            if (token.Replaced == 1)
            {
                await RevokeFamilyAsync(connection, transaction, token.FamilyId, now);
                await transaction.CommitAsync();
                return new RotationOutcome(RotationResult.ReuseDetected, token.UserId);
            }

            return new RotationOutcome(RotationResult.Revoked, token.UserId);
        }

        if (token.ExpiresAt <= now)
        {
            return new RotationOutcome(RotationResult.Expired, token.UserId);
        }

        // The conditional update makes concurrent refreshes with one token race to a single winner.
        var retired = await connection.ExecuteAsync(
            "UPDATE refresh_tokens SET revoked_at = @now, replaced = 1 WHERE id = @Id AND revoked_at IS NULL", new { token.Id, now }, transaction);
        if (retired != 1)
        {
            await RevokeFamilyAsync(connection, transaction, token.FamilyId, now);
            await transaction.CommitAsync();
            return new RotationOutcome(RotationResult.ReuseDetected, token.UserId);
        }

        await connection.ExecuteAsync(
            "INSERT INTO refresh_tokens (user_id, family_id, token_hash, created_at, expires_at) VALUES (@UserId, @FamilyId, @nextHash, @now, @expiresAt)",
            new { token.UserId, token.FamilyId, nextHash, now, expiresAt }, transaction);
        await transaction.CommitAsync();
        return new RotationOutcome(RotationResult.Rotated, token.UserId);
    }

    /// <summary>Revokes the family of <paramref name="tokenHash"/> (logout); false when the token is unknown.</summary>
    public async Task<bool> RevokeFamilyOfAsync(string tokenHash, long now)
    {
        await using var connection = await database.OpenAsync();
        var family = await connection.QuerySingleOrDefaultAsync<string>("SELECT family_id FROM refresh_tokens WHERE token_hash = @tokenHash", new { tokenHash });
        if (family is null)
        {
            return false;
        }

        await RevokeFamilyAsync(connection, null, family, now);
        return true;
    }

    public async Task RevokeAllForUserAsync(long userId, long now)
    {
        await using var connection = await database.OpenAsync();
        await connection.ExecuteAsync("UPDATE refresh_tokens SET revoked_at = @now WHERE user_id = @userId AND revoked_at IS NULL", new { userId, now });
    }

    private static Task RevokeFamilyAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? transaction, string familyId, long now) =>
        connection.ExecuteAsync("UPDATE refresh_tokens SET revoked_at = @now WHERE family_id = @familyId AND revoked_at IS NULL", new { familyId, now }, transaction);

    private sealed class RefreshTokenRow
    {
        public long Id { get; set; }

        public long UserId { get; set; }

        public string FamilyId { get; set; } = "";

        public long ExpiresAt { get; set; }

        public long? RevokedAt { get; set; }

        public long Replaced { get; set; }
    }
}
