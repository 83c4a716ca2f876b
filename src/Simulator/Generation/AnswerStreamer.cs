namespace MassRouter.Simulator.Generation;

/// <summary>Streams an <see cref="AnswerPlan"/> through a provider's encoder: blocks in order, one flush per content chunk.</summary>
internal static class AnswerStreamer
{
    public static async Task StreamAsync(IAnswerStream stream, AnswerPlan plan, IAnswerStreamEncoder encoder, int chunkSize)
    {
        var writer = stream.Writer;
        var written = 0;
        var preambleSent = false;
        var index = 0;

        await stream.WaitForChunkAsync(0);
        encoder.WriteStart(writer);
        foreach (var block in Blocks(plan))
        {
            encoder.WriteBlockStart(writer, block, index);
            if (!preambleSent)
            {
                preambleSent = true;
                if (!await stream.FlushChunkAsync(0))
                {
                    return;
                }
            }

            if (block == AnswerBlock.ToolCall)
            {
                foreach (var fragment in plan.Tool!.Fragments)
                {
                    await stream.WaitForChunkAsync(written);
                    encoder.WriteToolFragment(writer, index, fragment.Span);
                    if (!await stream.FlushChunkAsync(++written))
                    {
                        return;
                    }
                }
            }
            else
            {
                var tokens = block == AnswerBlock.Thinking ? plan.ThinkingTokens : plan.TextTokens;
                for (var first = 0; first < tokens; first += chunkSize)
                {
                    await stream.WaitForChunkAsync(written);
                    encoder.WriteTokens(writer, block, index, first, Math.Min(chunkSize, tokens - first));
                    if (!await stream.FlushChunkAsync(++written))
                    {
                        return;
                    }
                }
            }

            encoder.WriteBlockEnd(writer, block, index);
            index++;
        }

        if (!preambleSent && !await stream.FlushChunkAsync(0))
        {
            return;
        }

        encoder.WriteFinish(writer);
        await stream.FlushAsync();
    }

    private static IEnumerable<AnswerBlock> Blocks(AnswerPlan plan)
    {
        if (plan.ThinkingTokens > 0)
        {
            yield return AnswerBlock.Thinking;
        }

        if (plan.Tool is not null)
        {
            yield return AnswerBlock.ToolCall;
        }
        else if (plan.TextTokens > 0)
        {
            yield return AnswerBlock.Text;
        }
    }
}
