using System.Text.Json;
using System.Text.Json.Serialization;

namespace MassRouter.Gateway.Metering;

/// <summary>Source-generated JSON for the spool file, the journal, in-flight records and background charges.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Settlement))]
[JsonSerializable(typeof(BackgroundCharge))]
internal sealed partial class MeteringJson : JsonSerializerContext;
