using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MassRouter.ControlApi.Billing;
using MassRouter.ControlApi.Catalog;
using MassRouter.ControlApi.Keys;
using MassRouter.ControlApi.Storage;
using MassRouter.ControlApi.Tests.Billing;

namespace MassRouter.ControlApi.Tests.Http;

/// <summary>
/// Input the handlers never see (a body that is not JSON, a field of the wrong type, no body, another content type, a
/// query value that does not parse) and money out of bounds: an RFC 9457 problem that names what was wrong, never a
/// bare status or .NET's exception text, and nothing written.
/// </summary>
public abstract class MalformedInputTests(ControlApiFixture fixture)
{
    private const string Json = "application/json";

    /// <summary>Malformed request bodies: content type, body, expected status and the field the problem names.</summary>
    public static TheoryData<string, string, HttpStatusCode, string?> MalformedBodies(string field, string valid) => new()
    {
        { Json, Field(field, "\"abc\"") + "}", HttpStatusCode.BadRequest, field },
        { Json, Field(field, "true") + "}", HttpStatusCode.BadRequest, field },
        { Json, Field(field, "{}") + "}", HttpStatusCode.BadRequest, field },
        { Json, Field(field, "[1]") + "}", HttpStatusCode.BadRequest, field },
        { Json, Field(field, "1e400") + "}", HttpStatusCode.BadRequest, field },
        { Json, Field(field, ""), HttpStatusCode.BadRequest, "body" },
        { Json, Field(field, "abc") + "}", HttpStatusCode.BadRequest, "body" },
        { Json, "not json", HttpStatusCode.BadRequest, "body" },
        { Json, "", HttpStatusCode.BadRequest, "body" },
        { Json, "null", HttpStatusCode.BadRequest, "body" },
        { Json, "[]", HttpStatusCode.BadRequest, "body" },
        { Json, "\"10\"", HttpStatusCode.BadRequest, "body" },
        { "text/plain", valid, HttpStatusCode.UnsupportedMediaType, null },
        { "application/x-www-form-urlencoded", $"{field}=5", HttpStatusCode.UnsupportedMediaType, null },
        { "", valid, HttpStatusCode.UnsupportedMediaType, null },
    };

    private static string Field(string name, string value) => $"{{\"{name}\":{value}";

    public static TheoryData<string, string, HttpStatusCode, string?> MalformedTopUps => MalformedBodies("amountUsd", """{"amountUsd":5}""");

    public static TheoryData<string, string, HttpStatusCode, string?> MalformedAdjustments => MalformedBodies("amountNanos", """{"account":"u_1","amountNanos":5,"reason":"r"}""");

    public static TheoryData<string, string, HttpStatusCode, string?> MalformedModels => MalformedBodies("inputPerMillion", """{"publicId":"m","inputPerMillion":1,"outputPerMillion":1}""");

    public static TheoryData<string, string, HttpStatusCode, string?> MalformedKeys => MalformedBodies("rpm", """{"name":"k"}""");

    [Theory]
    [MemberData(nameof(MalformedTopUps))]
    public async Task TopUp_MalformedBody_IsProblem_AndMovesNoMoney(string contentType, string body, HttpStatusCode status, string? field)
    {
        var user = await fixture.NewUserAsync();
        await ExpectProblemAsync(await SendAsync(user.Http, HttpMethod.Post, "/api/billing/topups", contentType, body), status, field);
        await ExpectNoMoneyAsync(user.Account);
    }

    [Theory]
    [MemberData(nameof(MalformedAdjustments))]
    public async Task Adjustment_MalformedBody_IsProblem_AndMovesNoMoney(string contentType, string body, HttpStatusCode status, string? field)
    {
        var user = await fixture.NewUserAsync();
        await ExpectProblemAsync(await SendAsync(fixture.Admin.Http, HttpMethod.Post, "/api/admin/adjustments", contentType, body.Replace("u_1", user.Account, StringComparison.Ordinal)), status, field);
        await ExpectNoMoneyAsync(user.Account);
    }

    [Theory]
    [MemberData(nameof(MalformedModels))]
    public async Task ModelCreate_MalformedBody_IsProblem_AndCreatesNothing(string contentType, string body, HttpStatusCode status, string? field)
    {
        var before = await ModelCountAsync();
        var publicId = "m-" + Guid.NewGuid().ToString("N")[..8];
        await ExpectProblemAsync(await SendAsync(fixture.Admin.Http, HttpMethod.Post, "/api/admin/models", contentType, body.Replace("\"m\"", $"\"{publicId}\"", StringComparison.Ordinal)), status, field);
        Assert.Equal(before, await ModelCountAsync());
    }

    [Theory]
    [MemberData(nameof(MalformedKeys))]
    public async Task KeyCreate_MalformedBody_IsProblem_AndCreatesNothing(string contentType, string body, HttpStatusCode status, string? field)
    {
        var user = await fixture.NewUserAsync();
        await ExpectProblemAsync(await SendAsync(user.Http, HttpMethod.Post, "/api/keys", contentType, body), status, field);
        Assert.Equal(0, (await fixture.Get<KeyRepository>().ListAsync(user.Account, PageRequest.From(1, 1))).Total);
    }

    [Theory]
    [InlineData("""[{"provider":"p","model":"m","weight":"heavy"}]""", "[0].weight")]
    [InlineData("""[{"provider":"p","model":"m","weight":1},{"provider":"p","model":"m","weight":3000000000}]""", "[1].weight")]
    [InlineData("""{"provider":"p","model":"m","weight":1}""", "body")]
    [InlineData("""[{"provider":"p","model":"m","weight":1}""", "body")]
    public async Task Routes_MalformedBody_IsProblem_AndChangesNoRoute(string body, string field)
    {
        var model = await Expect.JsonAsync<ModelView>(
            await fixture.Admin.Http.PostAsJsonAsync("/api/admin/models", new { publicId = "r-" + Guid.NewGuid().ToString("N")[..8], inputPerMillion = 1m, outputPerMillion = 1m }),
            HttpStatusCode.Created);
        await ExpectProblemAsync(await SendAsync(fixture.Admin.Http, HttpMethod.Put, $"/api/admin/models/{model.Id}/routes", Json, body), HttpStatusCode.BadRequest, field);
        Assert.Empty((await fixture.Get<CatalogRepository>().RoutesAsync([model.Id]))[model.Id]);
    }

    [Theory]
    [InlineData("/api/billing/balance?teamId=abc", "teamId")]
    [InlineData("/api/billing/payments?page=two", "page")]
    [InlineData("/api/keys?pageSize=1.5", "pageSize")]
    [InlineData("/api/billing/adjustments?teamId=99999999999999999999", "teamId")]
    [InlineData("/api/admin/audit?page=99999999999", "page")]
    public async Task Query_UnparsableValue_IsValidationProblemNamingIt(string path, string field)
    {
        var response = await fixture.Admin.Http.GetAsync(path);
        await ExpectProblemAsync(response, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task OversizedBody_IsPayloadTooLarge_AndMovesNoMoney()
    {
        var user = await fixture.NewUserAsync();
        var body = $$"""{"amountUsd":5,"padding":"{{new string('x', 2 * 1024 * 1024)}}"}""";
        await ExpectProblemAsync(await SendAsync(user.Http, HttpMethod.Post, "/api/billing/topups", Json, body), HttpStatusCode.RequestEntityTooLarge, field: null);
        await ExpectNoMoneyAsync(user.Account);
    }

    [Theory]
    [InlineData("-5")]
    [InlineData("0")]
    [InlineData("0.001")]
    [InlineData("1.001")]
    [InlineData("1000000.01")]
    [InlineData("10000000000")]
    [InlineData("1e12")]
    [InlineData("79228162514264337593543950335")]
    [InlineData("1e40")]
    [InlineData("\"10\"")]
    public async Task TopUp_AmountOutOfBounds_IsValidationProblem_AndMovesNoMoney(string amount)
    {
        var user = await fixture.NewUserAsync();
        var response = await SendAsync(user.Http, HttpMethod.Post, "/api/billing/topups", Json, $$"""{"amountUsd":{{amount}}}""");
        await ExpectProblemAsync(response, HttpStatusCode.BadRequest, "amountUsd");
        await ExpectNoMoneyAsync(user.Account);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1.5")]
    [InlineData("1000000000000001")]
    [InlineData("-1000000000000001")]
    [InlineData("9223372036854775807")]
    [InlineData("-9223372036854775808")]
    [InlineData("9223372036854775808")]
    public async Task Adjustment_AmountOutOfBounds_IsValidationProblem_AndMovesNoMoney(string amountNanos)
    {
        var user = await fixture.NewUserAsync();
        var response = await SendAsync(fixture.Admin.Http, HttpMethod.Post, "/api/admin/adjustments", Json, $$"""{"account":"{{user.Account}}","amountNanos":{{amountNanos}},"reason":"r"}""");
        await ExpectProblemAsync(response, HttpStatusCode.BadRequest, "amountNanos");
        await ExpectNoMoneyAsync(user.Account);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("0.0000000001")]
    [InlineData("1000000.000000001")]
    [InlineData("1e30")]
    [InlineData("1e40")]
    public async Task Price_OutOfBounds_IsValidationProblem_AndChangesNothing(string price)
    {
        var model = await Expect.JsonAsync<ModelView>(
            await fixture.Admin.Http.PostAsJsonAsync("/api/admin/models", new { publicId = "p-" + Guid.NewGuid().ToString("N")[..8], inputPerMillion = 1m, outputPerMillion = 2m }),
            HttpStatusCode.Created);
        var before = await ModelCountAsync();
        var create = $$"""{"publicId":"p-{{Guid.NewGuid():N}}","inputPerMillion":{{price}},"outputPerMillion":1}""";
        await ExpectProblemAsync(await SendAsync(fixture.Admin.Http, HttpMethod.Post, "/api/admin/models", Json, create), HttpStatusCode.BadRequest, "inputPerMillion");
        await ExpectProblemAsync(await SendAsync(fixture.Admin.Http, HttpMethod.Patch, $"/api/admin/models/{model.Id}", Json, $$"""{"outputPerMillion":{{price}}}"""), HttpStatusCode.BadRequest, "outputPerMillion");

        Assert.Equal(before, await ModelCountAsync());
        var stored = (await fixture.Get<CatalogRepository>().FindModelAsync(model.Id))!;
        Assert.Equal(1_000_000_000, stored.InputNanosPerMillion);
        Assert.Equal(2_000_000_000, stored.OutputNanosPerMillion);
    }

    [Fact]
    public async Task WrongType_NamesTheFieldAndWhatWasExpected()
    {
        var user = await fixture.NewUserAsync();
        var problem = await ExpectProblemAsync(await SendAsync(user.Http, HttpMethod.Post, "/api/billing/topups", Json, """{"amountUsd":"abc"}"""), HttpStatusCode.BadRequest, "amountUsd");
        Assert.Equal("amountUsd: expected a number.", problem.GetProperty("detail").GetString());
        Assert.Equal("Expected a number.", problem.GetProperty("errors").GetProperty("amountUsd")[0].GetString());

        // A number, but one a decimal cannot hold: its range, not "expected a number".
        problem = await ExpectProblemAsync(await SendAsync(user.Http, HttpMethod.Post, "/api/billing/topups", Json, """{"amountUsd":1e40}"""), HttpStatusCode.BadRequest, "amountUsd");
        Assert.Equal(
            "Expected a number from -79228162514264337593543950335 to 79228162514264337593543950335.",
            problem.GetProperty("errors").GetProperty("amountUsd")[0].GetString());

        problem = await ExpectProblemAsync(await SendAsync(user.Http, HttpMethod.Post, "/api/keys", Json, """{"name":"k","models":"gpt"}"""), HttpStatusCode.BadRequest, "models");
        Assert.Equal("models: expected an array.", problem.GetProperty("detail").GetString());
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string contentType, string body)
    {
        using var request = new HttpRequestMessage(method, path);
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        if (contentType.Length > 0)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        request.Content = content;

        // The server may answer (413) before reading a body: waiting for its go-ahead, the client never writes into a
        // connection the server has closed (seen: a broken pipe instead of the answer).
        request.Headers.ExpectContinue = true;
        return await http.SendAsync(request);
    }

    /// <summary>Asserts an RFC 9457 problem with this status, naming <paramref name="field"/> (400) and no .NET internals.</summary>
    private static async Task<JsonElement> ExpectProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? field)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()), text);
        foreach (var leak in new[] { "System.", "Exception", "Microsoft.", "   at ", "LineNumber", "BytePosition" })
        {
            Assert.DoesNotContain(leak, text, StringComparison.Ordinal);
        }

        if (field is not null)
        {
            var errors = problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToArray();
            Assert.Equal([field], errors);
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("errors").GetProperty(field)[0].GetString()));
        }

        return problem;
    }

    private async Task ExpectNoMoneyAsync(string account)
    {
        var billing = fixture.Get<BillingRepository>();
        var balance = await billing.BalanceAsync(account);
        Assert.Equal(0, balance.Payments);
        Assert.Equal(0, balance.Adjustments);
        Assert.Equal(0, (await billing.PaymentsAsync(account, PageRequest.From(1, 1))).Total);
        Assert.Equal(0, (await billing.AdjustmentsAsync(account, PageRequest.From(1, 1))).Total);
        Assert.Equal(0, await TopUps.RedisBalanceAsync(fixture, account));
    }

    private async Task<long> ModelCountAsync() => (await fixture.Get<CatalogRepository>().ListModelsAsync(PageRequest.From(1, 1), enabledOnly: false)).Total;
}

[Collection(PostgresCollection.Name)]
public sealed class MalformedInputTests_Postgres(PostgresControlApiFixture fixture) : MalformedInputTests(fixture);

[Collection(SqliteCollection.Name)]
public sealed class MalformedInputTests_Sqlite(SqliteControlApiFixture fixture) : MalformedInputTests(fixture);
