using Microsoft.AspNetCore.Http.Metadata;

namespace MassRouter.ControlApi.Http;

/// <summary>Endpoint metadata that caps the request body; the endpoint middleware applies it before the body is read.</summary>
internal sealed record BodySizeLimit(long? MaxRequestBodySize) : IRequestSizeLimitMetadata;
