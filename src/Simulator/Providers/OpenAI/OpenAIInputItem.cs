namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>One item of a stored response's input: its id and its whole JSON object, that id included.</summary>
internal readonly record struct OpenAIInputItem(string Id, ReadOnlyMemory<byte> Json);
