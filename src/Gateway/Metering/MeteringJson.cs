using System.Text.Json;
using System.Text.Json.Serialization;

namespace MassRouter.Gateway.Metering;

/// <summary>Source-generated JSON for the spool file.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Settlement))]
internal sealed partial class MeteringJson : JsonSerializerContext;
