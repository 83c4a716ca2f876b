using System.Text.Json;
using System.Text.Json.Serialization;
using MassRouter.Core.Catalog;

namespace MassRouter.Core.Usage;

/// <summary>Source-generated JSON for the documents both planes exchange through Redis.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(UsageEvent))]
[JsonSerializable(typeof(CatalogDocument))]
public sealed partial class CoreJson : JsonSerializerContext;
