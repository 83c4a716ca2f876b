namespace MassRouter.Gateway.Transforms.Ingress.Responses;

/// <summary>The parts of a Responses request the gateway needs besides the chat body.</summary>
/// <param name="Model">The public model id the client asked for.</param>
/// <param name="Stream">True when the client asked for the event stream.</param>
/// <param name="Echo">
/// The request's settings as OpenAI echoes them in every Response object: a UTF-8 JSON fragment of comma-separated
/// properties without braces (<c>"instructions":null,...,"user":null</c>), for the response translators to splice in.
/// </param>
/// <param name="Namespaces">The namespaces the request's tools declare (their functions go out with flat chat names).</param>
public readonly record struct ResponsesRequestInfo(string Model, bool Stream, byte[] Echo, ToolNamespaces Namespaces);
